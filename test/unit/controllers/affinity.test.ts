import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  combineRequired,
  desiredNodeAffinity,
  fillOrder,
  fillWeights,
  nodeSelectorTerm,
  plannedHubWeight,
  sameAffinity,
  type HubSelectorTerm,
  type NodeAffinity,
  type NodeSelectorTerm,
} from '../../../src/controllers/factoryworkload/affinity.ts';
import { termMatches } from '../../../src/controllers/factoryworkload/own-constraints.ts';

const hub = (name: string): HubSelectorTerm => ({
  hub: name,
  nodeSelector: { matchLabels: { 'westward.io/hub': name } },
});
const hubOfTerm = (t: NodeSelectorTerm): string | undefined => t.matchExpressions?.find((r) => r.key === 'westward.io/hub')?.values?.[0];
const preferredHubs = (a: NodeAffinity | undefined): (string | undefined)[] =>
  (a?.preferredDuringSchedulingIgnoredDuringExecution ?? []).map((p) => hubOfTerm(p.preference));

describe('nodeSelectorTerm', () => {
  it.each([
    [{ matchLabels: { b: '2', a: '1' } }, [{ key: 'a', operator: 'In', values: ['1'] }, { key: 'b', operator: 'In', values: ['2'] }]],
    [{ matchExpressions: [{ key: 'gpu', operator: 'Exists' }] }, [{ key: 'gpu', operator: 'Exists' }]],
    [
      { matchLabels: { r: 'x' }, matchExpressions: [{ key: 'z', operator: 'NotIn', values: ['a', 'b'] }] },
      [{ key: 'r', operator: 'In', values: ['x'] }, { key: 'z', operator: 'NotIn', values: ['a', 'b'] }],
    ],
    [{ matchExpressions: [{ key: 'k', operator: 'DoesNotExist', values: ['ignored'] }] }, [{ key: 'k', operator: 'DoesNotExist' }]],
  ])('turns %j into requirements', (selector, expected) => {
    expect(nodeSelectorTerm(selector).matchExpressions).toEqual(expected);
  });
});

describe('fillOrder', () => {
  it.each([
    // plan, green order → fill order, hubs with replicas
    [{ ningxia: 2, gansu: 1 }, ['gansu', 'ningxia', 'guizhou'], ['gansu', 'ningxia', 'guizhou'], 2],
    [{ ningxia: 3 }, ['gansu', 'ningxia', 'guizhou'], ['ningxia', 'gansu', 'guizhou'], 1],
    [{ guizhou: 1, gansu: 5 }, ['guizhou', 'ningxia', 'gansu'], ['guizhou', 'gansu', 'ningxia'], 2],
    [{}, ['gansu', 'ningxia'], ['gansu', 'ningxia'], 0],
    [{ gansu: 0, ningxia: 1 }, ['gansu', 'ningxia'], ['ningxia', 'gansu'], 1],
    [{ other: 1 }, ['gansu'], ['other', 'gansu'], 1],
  ])('plan %j over %j fills %j (%i planned)', (plan, green, order, planned) => {
    expect(fillOrder(plan, green)).toEqual({ order, planned });
  });
});

describe('fillWeights', () => {
  it('keeps weights in 1..100, strictly decreasing over the planned hubs, the planned ones far above the rest (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 30 }), (planned, extra) => {
        const total = planned + extra;
        const w = fillWeights(planned, total);
        expect(w).toHaveLength(total);
        for (const x of w) expect(Number.isInteger(x) && x >= 1 && x <= 100).toBe(true);
        for (let i = 1; i < planned; i++) expect(w[i]).toBeLessThan(w[i - 1] ?? 0);
        for (let i = planned; i < total; i++) expect(w[i]).toBeLessThanOrEqual(10);
        if (planned > 0) expect(w[0]).toBe(plannedHubWeight);
        for (let i = 0; i < planned; i++) expect(w[i]).toBeGreaterThanOrEqual(20);
      }),
    );
  });
});

describe('combineRequired', () => {
  const arch: NodeSelectorTerm = { matchExpressions: [{ key: 'kubernetes.io/arch', operator: 'In', values: ['amd64'] }] };
  const zone: NodeSelectorTerm = { matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['z9'] }], matchFields: [{ key: 'metadata.name', operator: 'NotIn', values: ['n0'] }] };
  const hubs = [nodeSelectorTerm({ matchLabels: { 'westward.io/hub': 'gansu' } }), nodeSelectorTerm({ matchLabels: { 'westward.io/hub': 'ningxia' } })];

  it.each([
    ['no own terms', undefined, 2],
    ['an empty own list', [], 2],
    ['one own term', [arch], 2],
    ['two own terms', [arch, zone], 4],
  ])('with %s gives %i terms', (_what, own, count) => {
    expect(combineRequired(own, hubs)).toHaveLength(count);
  });

  // own terms × hub terms: a node matches the combination exactly when it matches one own term
  // (or there are none) and one hub term.
  it('matches exactly the nodes that satisfy the own terms AND a hub (property)', () => {
    const label = fc.constantFrom('a', 'b', 'c');
    const value = fc.constantFrom('1', '2');
    const requirement = fc.record({ key: label, operator: fc.constantFrom('In', 'NotIn', 'Exists', 'DoesNotExist'), values: fc.array(value, { minLength: 1, maxLength: 2 }) }).map((r) =>
      r.operator === 'Exists' || r.operator === 'DoesNotExist' ? { key: r.key, operator: r.operator } : r,
    );
    const term = fc.array(requirement, { minLength: 1, maxLength: 3 }).map((matchExpressions) => ({ matchExpressions }));
    const node = fc.record({ labels: fc.dictionary(fc.constantFrom('a', 'b', 'c', 'westward.io/hub'), fc.constantFrom('1', '2', 'gansu', 'ningxia')) });
    fc.assert(
      fc.property(fc.array(term, { maxLength: 3 }), node, (own, n) => {
        const k = { metadata: { name: 'n', labels: n.labels } };
        const combined = combineRequired(own, hubs);
        const expected = (own.length === 0 || own.some((t) => termMatches(t, k))) && hubs.some((h) => termMatches(h, k));
        expect(combined.some((t) => termMatches(t, k))).toBe(expected);
      }),
    );
  });
});

describe('desiredNodeAffinity', () => {
  const eligible = [hub('gansu'), hub('ningxia'), hub('guizhou')];

  it('requires exactly the eligible hubs and prefers them in fill order', () => {
    const affinity = desiredNodeAffinity(undefined, eligible, ['ningxia', 'gansu', 'guizhou'], 2);
    const required = affinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
    expect(required.map(hubOfTerm).sort()).toEqual(['gansu', 'guizhou', 'ningxia']);
    expect(preferredHubs(affinity)).toEqual(['ningxia', 'gansu', 'guizhou']);
    expect(affinity?.preferredDuringSchedulingIgnoredDuringExecution?.map((p) => p.weight)).toEqual(fillWeights(2, 3));
  });

  it('has nothing to require without eligible hubs', () => {
    expect(desiredNodeAffinity(undefined, [], ['gansu'], 1)).toBeUndefined();
  });

  it('never prefers a hub that is not eligible', () => {
    const affinity = desiredNodeAffinity(undefined, [hub('gansu')], ['shaoguan', 'gansu'], 2);
    expect(preferredHubs(affinity)).toEqual(['gansu']);
    expect(affinity?.preferredDuringSchedulingIgnoredDuringExecution?.[0]?.weight).toBe(plannedHubWeight);
  });

  it('keeps the target own preferred terms first and untouched, and ANDs its required terms with the hubs', () => {
    const own: NodeAffinity = {
      requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/arch', operator: 'In', values: ['amd64'] }] }] },
      preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 7, preference: { matchExpressions: [{ key: 'disk', operator: 'In', values: ['ssd'] }] } }],
    };
    const before = structuredClone(own);
    const affinity = desiredNodeAffinity(own, eligible, ['gansu', 'ningxia', 'guizhou'], 1);
    expect(own).toEqual(before);
    expect(affinity?.preferredDuringSchedulingIgnoredDuringExecution?.[0]).toEqual(own.preferredDuringSchedulingIgnoredDuringExecution?.[0]);
    expect(preferredHubs(affinity).slice(1)).toEqual(['gansu', 'ningxia', 'guizhou']);
    const required = affinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
    expect(required).toHaveLength(3);
    for (const t of required) expect(t.matchExpressions?.[0]).toEqual({ key: 'kubernetes.io/arch', operator: 'In', values: ['amd64'] });
  });

  it('keeps the required terms whatever the fill order (property)', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.stringMatching(/^[a-z]{1,8}$/), { minLength: 1, maxLength: 20 }), fc.nat(), (names, p) => {
        const terms = names.map(hub);
        const planned = p % (names.length + 1);
        const a = desiredNodeAffinity(undefined, terms, names, planned);
        const b = desiredNodeAffinity(undefined, terms, [...names].reverse(), planned);
        expect(preferredHubs(a)).toEqual(names);
        expect(
          sameAffinity(
            { requiredDuringSchedulingIgnoredDuringExecution: a?.requiredDuringSchedulingIgnoredDuringExecution },
            { requiredDuringSchedulingIgnoredDuringExecution: b?.requiredDuringSchedulingIgnoredDuringExecution },
          ),
        ).toBe(true);
      }),
    );
  });
});

describe('sameAffinity', () => {
  it('ignores key order and absent fields as the API server returns them', () => {
    const a = desiredNodeAffinity(undefined, [hub('gansu')], ['gansu'], 1);
    const roundTripped = JSON.parse(JSON.stringify({ ...a, extra: undefined })) as typeof a;
    expect(sameAffinity(a, roundTripped)).toBe(true);
    expect(sameAffinity(a, desiredNodeAffinity(undefined, [hub('ningxia')], ['ningxia'], 1))).toBe(false);
    expect(sameAffinity(undefined, a)).toBe(false);
    expect(sameAffinity(undefined, {})).toBe(true);
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  desiredNodeAffinity,
  nodeSelectorTerm,
  plannedHubOf,
  plannedHubWeight,
  sameAffinity,
  type HubSelectorTerm,
} from '../../../src/controllers/factoryworkload/affinity.ts';

const hub = (name: string): HubSelectorTerm => ({
  hub: name,
  nodeSelector: { matchLabels: { 'westward.io/hub': name } },
});

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

describe('desiredNodeAffinity', () => {
  it('requires exactly the eligible hubs and prefers the planned hub above every fallback together', () => {
    const affinity = desiredNodeAffinity([hub('gansu'), hub('ningxia'), hub('guizhou')], ['ningxia', 'gansu', 'guizhou']);
    const required = affinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
    expect(required.map((t) => t.matchExpressions?.[0]?.values?.[0]).sort()).toEqual(['gansu', 'guizhou', 'ningxia']);
    const preferred = affinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [];
    expect(preferred.map((p) => p.preference.matchExpressions?.[0]?.values?.[0])).toEqual(['ningxia', 'gansu', 'guizhou']);
    expect(preferred[0]?.weight).toBe(plannedHubWeight);
    const fallbacks = preferred.slice(1).reduce((sum, p) => sum + p.weight, 0);
    expect(fallbacks).toBeLessThan(plannedHubWeight);
  });

  it('has nothing to require without eligible hubs', () => {
    expect(desiredNodeAffinity([], ['gansu'])).toBeUndefined();
  });

  it('never prefers a hub that is not eligible', () => {
    const affinity = desiredNodeAffinity([hub('gansu')], ['shaoguan', 'gansu']);
    expect(affinity?.preferredDuringSchedulingIgnoredDuringExecution?.map((p) => p.weight)).toEqual([plannedHubWeight]);
    expect(plannedHubOf(affinity, [hub('gansu')])).toBe('gansu');
  });

  it('keeps weights in 1..100, strictly decreasing, and finds its planned hub again (property)', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.stringMatching(/^[a-z]{1,8}$/), { minLength: 1, maxLength: 20 }), (names) => {
        const terms = names.map(hub);
        const affinity = desiredNodeAffinity(terms, names);
        const weights = affinity?.preferredDuringSchedulingIgnoredDuringExecution?.map((p) => p.weight) ?? [];
        expect(weights).toHaveLength(names.length);
        for (const w of weights) expect(w >= 1 && w <= 100 && Number.isInteger(w)).toBe(true);
        for (let i = 1; i < Math.min(weights.length, 11); i++) expect(weights[i]).toBeLessThan(weights[i - 1] ?? 0);
        expect(plannedHubOf(affinity, terms)).toBe(names[0]);
        // the required terms do not depend on the preference order
        const reversed = desiredNodeAffinity(terms, [...names].reverse());
        expect(
          sameAffinity(
            { requiredDuringSchedulingIgnoredDuringExecution: affinity?.requiredDuringSchedulingIgnoredDuringExecution },
            { requiredDuringSchedulingIgnoredDuringExecution: reversed?.requiredDuringSchedulingIgnoredDuringExecution },
          ),
        ).toBe(true);
      }),
    );
  });
});

describe('sameAffinity', () => {
  it('ignores key order and absent fields as the API server returns them', () => {
    const a = desiredNodeAffinity([hub('gansu')], ['gansu']);
    const roundTripped = JSON.parse(JSON.stringify({ ...a, extra: undefined })) as typeof a;
    expect(sameAffinity(a, roundTripped)).toBe(true);
    expect(sameAffinity(a, desiredNodeAffinity([hub('ningxia')], ['ningxia']))).toBe(false);
    expect(sameAffinity(undefined, a)).toBe(false);
  });
});

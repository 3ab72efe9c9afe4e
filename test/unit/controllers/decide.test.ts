import { describe, expect, it } from 'vitest';
import { fillWeights, type HubSelectorTerm, type NodeAffinity } from '../../../src/controllers/factoryworkload/affinity.ts';
import { decide, reportedPlacement, type DecideInput, type TargetFacts } from '../../../src/controllers/factoryworkload/decide.ts';
import type { PlacementRecord } from '../../../src/controllers/factoryworkload/target-record.ts';
import type { WorkloadPlan } from '../../../src/placement/types.ts';

const now = new Date('2026-06-01T12:00:00Z');
const hub = (name: string): HubSelectorTerm => ({ hub: name, nodeSelector: { matchLabels: { 'westward.io/hub': name } } });
const hubOf = (t: { matchExpressions?: { key: string; values?: string[] }[] }): string | undefined =>
  t.matchExpressions?.find((r) => r.key === 'westward.io/hub')?.values?.[0];

function entry(over: Partial<WorkloadPlan> = {}): WorkloadPlan {
  return {
    key: 'plant/qc',
    hub: 'gansu',
    fallbacks: ['ningxia', 'guizhou'],
    greenOrder: ['gansu', 'ningxia', 'guizhou'],
    replicasByHub: { gansu: 2 },
    expected: { renewableShare: 0.8, carbonIntensity: 100 },
    moved: false,
    reason: 'first placement in gansu, the greenest eligible hub',
    ...over,
  };
}

function target(over: Partial<TargetFacts> = {}): TargetFacts {
  return { kind: 'Deployment', name: 'qc', replicas: 2, rolloutDone: true, applied: undefined, record: {}, owners: [], westwardOwns: false, ...over };
}

function input(over: Partial<DecideInput> = {}): DecideInput {
  return {
    now,
    name: 'qc',
    namespace: 'plant',
    generation: 1,
    mode: 'Enforce',
    previous: undefined,
    target: target(),
    claimedByOther: undefined,
    plan: { entry: entry(), eligible: [hub('gansu'), hub('ningxia'), hub('guizhou')], excludedByOwnRules: [], heldForData: [] },
    observed: { readyByHub: {}, notReady: 0, podsByHub: {} },
    hubsWithRoom: new Set(),
    settleAllowed: true,
    refused: undefined,
    ...over,
  };
}

/** A target as Westward left it after placing `record` with `affinity`. */
function placed(record: PlacementRecord, affinity: NodeAffinity | undefined, own: NodeAffinity | null = null): TargetFacts {
  return target({ applied: affinity, record: { placedBy: 'qc', own, placement: record }, westwardOwns: true });
}

const ownArch: NodeAffinity = {
  requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/arch', operator: 'In', values: ['amd64'] }] }] },
};

describe('decide: what to write on the target', () => {
  it('places a new workload: fill order greenest planned hub first, a record with no move, a Placed event', () => {
    const d = decide(input());
    expect(d.write?.kind).toBe('apply');
    if (d.write?.kind !== 'apply') return;
    expect(d.write.force).toBe(false);
    expect(d.write.record).toEqual({ hub: 'gansu', fill: ['gansu'], at: now.toISOString(), reason: entry().reason });
    expect(d.write.affinity.preferredDuringSchedulingIgnoredDuringExecution?.map((p) => hubOf(p.preference))).toEqual(['gansu', 'ningxia', 'guizhou']);
    expect(d.moved).toBeUndefined();
    expect(d.events.map((e) => e.reason)).toEqual(['Placed']);
  });

  it('writes a split plan in green order, not "most replicas first"', () => {
    const d = decide(input({ plan: { ...input().plan, entry: entry({ hub: 'ningxia', replicasByHub: { gansu: 1, ningxia: 3 } }) } }));
    if (d.write?.kind !== 'apply') throw new Error('expected an apply');
    const prefs = d.write.affinity.preferredDuringSchedulingIgnoredDuringExecution ?? [];
    expect(prefs.map((p) => hubOf(p.preference))).toEqual(['gansu', 'ningxia', 'guizhou']);
    expect(prefs.map((p) => p.weight)).toEqual(fillWeights(2, 3));
    expect(d.write.record.fill).toEqual(['gansu', 'ningxia']);
    expect(d.write.record.hub).toBe('ningxia');
  });

  it.each<[string, Partial<WorkloadPlan>, boolean]>([
    ['nothing changed', {}, false],
    ['only the spill-only hubs reordered', { greenOrder: ['gansu', 'guizhou', 'ningxia'], fallbacks: ['guizhou', 'ningxia'] }, false],
    ['more replicas planned in the same hub', { replicasByHub: { gansu: 3 } }, false],
    ['a second planned hub', { replicasByHub: { gansu: 1, ningxia: 1 } }, true],
    ['a new planned hub', { hub: 'ningxia', replicasByHub: { ningxia: 2 }, greenOrder: ['ningxia', 'gansu', 'guizhou'], moved: true, reason: 'moved from gansu to ningxia: +30 %' }, true],
  ])('after a placement, %s → rewrite %s', (_what, change, rewrite) => {
    const first = decide(input());
    if (first.write?.kind !== 'apply') throw new Error('expected an apply');
    const t = placed(first.write.record, first.write.affinity);
    const d = decide(input({ target: t, previous: { hub: 'gansu' }, plan: { ...input().plan, entry: entry(change) } }));
    expect(d.write !== undefined).toBe(rewrite);
  });

  it('records a move once, from the record on the target, even when the status was never written (crash after the patch)', () => {
    const record: PlacementRecord = { hub: 'ningxia', fill: ['ningxia'], at: '2026-06-01T11:59:00.000Z', from: 'gansu', reason: 'moved from gansu to ningxia: +30 %' };
    const moved = entry({ hub: 'ningxia', replicasByHub: { ningxia: 2 }, greenOrder: ['ningxia', 'gansu', 'guizhou'] });
    const first = decide(input({ plan: { ...input().plan, entry: moved } }));
    if (first.write?.kind !== 'apply') throw new Error('expected an apply');
    const t = placed(record, first.write.affinity);
    // status still says gansu, no lastMove: the operator died right after the patch
    const d = decide(input({ target: t, previous: { hub: 'gansu' }, plan: { ...input().plan, entry: moved } }));
    expect(d.write).toBeUndefined();
    expect(d.moved).toEqual({ from: 'gansu', to: 'ningxia', reason: record.reason });
    expect(d.events.map((e) => e.reason)).toEqual(['Moved']);
    // once the status holds that move, nothing more is recorded
    const again = decide(input({ target: t, previous: { hub: 'ningxia', lastMove: { time: record.at, from: 'gansu', to: 'ningxia' } }, plan: { ...input().plan, entry: moved } }));
    expect(again.moved).toBeUndefined();
    expect(again.events).toEqual([]);
  });

  it('combines the target own required affinity and keeps it for release', () => {
    const d = decide(input({ target: target({ applied: ownArch, owners: [{ manager: 'kubectl-create', operation: 'Update' }] }) }));
    if (d.write?.kind !== 'apply') throw new Error('expected an apply');
    expect(d.write.force).toBe(true);
    expect(d.write.own).toEqual(ownArch);
    for (const term of d.write.affinity.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? []) {
      expect(term.matchExpressions?.[0]).toEqual({ key: 'kubernetes.io/arch', operator: 'In', values: ['amd64'] });
    }
  });

  it.each<[string, TargetFacts, string]>([
    ['a server-side apply owner', target({ applied: ownArch, owners: [{ manager: 'argocd', operation: 'Apply' }] }), '"argocd" (server-side apply)'],
    [
      'an imperative owner that set the own value back',
      target({ applied: ownArch, owners: [{ manager: 'gitops-cli', operation: 'Update' }], record: { placedBy: 'qc', own: ownArch, placement: { hub: 'gansu', fill: ['gansu'], at: now.toISOString() } } }),
      'set back to its own value by field manager "gitops-cli"',
    ],
  ])('never takes node affinity from %s', (_what, t, named) => {
    const d = decide(input({ target: t }));
    expect(d.write).toBeUndefined();
    expect(d.placed).toMatchObject({ status: 'False', reason: 'AffinityOwnedByOtherManager' });
    expect(d.placed.message).toContain(named);
  });

  it('adopts a real change an imperative writer made after Westward as the new own affinity', () => {
    const first = decide(input());
    if (first.write?.kind !== 'apply') throw new Error('expected an apply');
    const edited: NodeAffinity = { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/arch', operator: 'In', values: ['arm64'] }] }] } };
    const t = target({ applied: edited, owners: [{ manager: 'kubectl-edit', operation: 'Update' }], record: { placedBy: 'qc', own: null, placement: first.write.record } });
    const d = decide(input({ target: t, previous: { hub: 'gansu' } }));
    if (d.write?.kind !== 'apply') throw new Error('expected an apply');
    expect(d.write.own).toEqual(edited);
    expect(d.write.force).toBe(true);
  });

  it.each<[string, Partial<DecideInput>, string]>([
    ['another FactoryWorkload holds the target', { claimedByOther: 'qc-old' }, 'TargetClaimed'],
    ['the own rules allow no eligible hub', { plan: { entry: entry({ hub: null, replicasByHub: {} }), eligible: [], excludedByOwnRules: ['gansu'], heldForData: [] } }, 'Unschedulable'],
    ['no hub is eligible', { plan: { entry: entry({ hub: null, replicasByHub: {} }), eligible: [], excludedByOwnRules: [], heldForData: [] } }, 'NoEligibleHub'],
    ['no eligible hub has room', { plan: { ...input().plan, entry: entry({ hub: null, replicasByHub: {} }) } }, 'NoCapacity'],
  ])('writes nothing when %s: Placed=False %s', (_what, over, reason) => {
    const d = decide(input(over));
    expect(d.write).toBeUndefined();
    expect(d.evict).toBeUndefined();
    expect(d.placed).toMatchObject({ status: 'False', reason });
  });

  it('does not repeat a write the API server refused, and says why', () => {
    const first = decide(input());
    if (first.write?.kind !== 'apply') throw new Error('expected an apply');
    const d = decide(input({ refused: { affinity: first.write.key, message: 'spec.template.spec.affinity: Invalid value' } }));
    expect(d.write).toBeUndefined();
    expect(d.placed).toMatchObject({ status: 'False', reason: 'TargetWriteRefused' });
    expect(d.placed.message).toContain('Invalid value');
  });

  it('in Shadow mode writes nothing, records no move and says "would move"', () => {
    const d = decide(input({ mode: 'Shadow', previous: { hub: 'ningxia' }, plan: { ...input().plan, entry: entry({ moved: true, reason: 'moved from ningxia to gansu: +30 %' }) } }));
    expect(d.write).toBeUndefined();
    expect(d.moved).toBeUndefined();
    expect(d.reason).toBe('would move from ningxia to gansu: +30 %');
    expect(d.events).toEqual([{ type: 'Normal', reason: 'WouldMove', note: 'would move from ningxia to gansu: +30 %' }]);
  });

  it('gives the target back when switched to Shadow', () => {
    const d = decide(input({ mode: 'Shadow', target: placed({ hub: 'gansu', fill: ['gansu'], at: now.toISOString() }, undefined, ownArch) }));
    expect(d.write).toEqual({ kind: 'release', own: ownArch });
  });

  it('says which hubs lacked live data when it holds a workload', () => {
    const d = decide(input({ plan: { ...input().plan, heldForData: ['gansu'] } }));
    expect(d.reason).toBe('stays in gansu: no live forecast for gansu; moves wait for live data');
  });
});

describe('decide: Placed compares where pods run with the plan', () => {
  const split = entry({ hub: 'ningxia', replicasByHub: { gansu: 1, ningxia: 2 } });
  const written = decide(input({ plan: { ...input().plan, entry: split } }));
  if (written.write?.kind !== 'apply') throw new Error('expected an apply');
  const settled = placed(written.write.record, written.write.affinity);
  const base = (over: Partial<DecideInput>): DecideInput =>
    input({ target: { ...settled, replicas: 3 }, previous: { hub: 'ningxia' }, plan: { ...input().plan, entry: split }, ...over });

  it.each<[string, Record<string, number>, number, 'True' | 'False', string]>([
    ['as planned', { gansu: 1, ningxia: 2 }, 0, 'True', 'running as planned: gansu 1, ningxia 2'],
    ['one short in the greener hub', { ningxia: 3 }, 0, 'False', 'planned gansu 1, ningxia 2; running ningxia 3'],
    ['one not ready', { gansu: 1, ningxia: 1 }, 1, 'False', 'planned gansu 1, ningxia 2; running gansu 1, ningxia 1 (1 not ready or unscheduled)'],
  ])('%s', (_what, ready, notReady, status, message) => {
    const d = decide(base({ observed: { readyByHub: ready, notReady, podsByHub: {} } }));
    expect(d.placed).toMatchObject({ status, message });
  });

  it('evicts the newest pod of the less green hub when the greener planned hub has room', () => {
    const d = decide(base({ observed: { readyByHub: { ningxia: 3 }, notReady: 0, podsByHub: { ningxia: ['qc-new', 'qc-old', 'qc-older'] } }, hubsWithRoom: new Set(['gansu']) }));
    expect(d.evict).toEqual({ pod: 'qc-new', from: 'ningxia', to: 'gansu' });
  });

  it.each<[string, Partial<DecideInput>]>([
    ['the greener hub has no room', { hubsWithRoom: new Set() }],
    ['the settle budget is used', { hubsWithRoom: new Set(['gansu']), settleAllowed: false }],
    ['the rollout is still running', { hubsWithRoom: new Set(['gansu']), target: { ...settled, replicas: 3, rolloutDone: false } }],
  ])('evicts nothing when %s', (_what, over) => {
    const d = decide(base({ observed: { readyByHub: { ningxia: 3 }, notReady: 0, podsByHub: { ningxia: ['qc-new'] } }, ...over }));
    expect(d.evict).toBeUndefined();
  });

  it('never evicts toward a less green hub', () => {
    const d = decide(base({ observed: { readyByHub: { gansu: 2, ningxia: 1 }, notReady: 0, podsByHub: { gansu: ['g1', 'g2'], ningxia: ['n1'] } }, hubsWithRoom: new Set(['gansu', 'ningxia']) }));
    expect(d.evict).toBeUndefined();
  });
});

describe('reportedPlacement', () => {
  const record: PlacementRecord = { hub: 'ningxia', fill: ['ningxia'], at: '2026-06-01T11:59:00.000Z', from: 'gansu', reason: 'moved from gansu to ningxia' };
  const earlier = { time: '2026-05-01T00:00:00.000Z', from: 'guizhou', to: 'gansu' };
  it.each<[string, Parameters<typeof reportedPlacement>, ReturnType<typeof reportedPlacement>]>([
    ['Enforce, a move recorded now', [{ record, moved: { from: 'gansu', to: 'ningxia', reason: 'r' } }, 'Enforce', 'gansu', { lastMove: earlier }], { hub: 'ningxia', lastMove: { time: record.at, from: 'gansu', to: 'ningxia', reason: 'r' } }],
    ['Enforce, no move now: the last one stays', [{ record, moved: undefined }, 'Enforce', 'gansu', { lastMove: earlier }], { hub: 'ningxia', lastMove: earlier }],
    ['Enforce, nothing written yet', [{ record: undefined, moved: undefined }, 'Enforce', 'gansu', undefined], { hub: null, lastMove: undefined }],
    ['Shadow: the plan, never a move', [{ record, moved: { from: 'gansu', to: 'ningxia', reason: 'r' } }, 'Shadow', 'guizhou', { lastMove: earlier }], { hub: 'guizhou', lastMove: undefined }],
  ])('%s', (_what, args, expected) => {
    expect(reportedPlacement(...args)).toEqual(expected);
  });
});

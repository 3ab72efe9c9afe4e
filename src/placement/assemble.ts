// Assembling the plan: per workload its hubs, fallbacks, expectation and the sentence that
// explains the decision; per hub the planned load.
import type { Allocation } from './allocation.ts';
import { take } from './allocation.ts';
import { emissionsG } from './hub-cost.ts';
import { reasons } from './reasons.ts';
import type { Context, Entry } from './state.ts';
import { gainOf, merged, plannedHub } from './state.ts';
import type { Plan, Resources, WorkloadPlan } from './types.ts';
import { judgementWindowMs } from './window.ts';

export function assemble(ctx: Context, entries: Entry[], allocation: Allocation, pinned: Allocation): Plan {
  const byKeyPlan = new Map<string, WorkloadPlan>();
  const replicas = ctx.hubs.map(() => 0);
  const load: Resources[] = ctx.hubs.map(() => ({ gpu: 0, cpuMilli: 0, memoryBytes: 0 }));
  const powerW = ctx.hubs.map(() => 0);
  for (const e of entries) {
    const byHub = merged(pinned.get(e.w.key), allocation.get(e.w.key));
    for (const h of e.eligible) {
      const n = byHub[h] ?? 0;
      if (n === 0) continue;
      replicas[h] = (replicas[h] ?? 0) + n;
      const l = load[h];
      if (l !== undefined) take(l, e.w.perReplica, -n);
      powerW[h] = (powerW[h] ?? 0) + n * e.w.powerPerReplicaW;
    }
    byKeyPlan.set(e.w.key, workloadPlan(ctx, e, byHub));
  }
  const hubs: Plan['hubs'] = {};
  let expectedEmissionsG = 0;
  ctx.hubs.forEach((h, i) => {
    hubs[h.name] = { replicas: replicas[i] ?? 0, load: load[i] ?? { gpu: 0, cpuMilli: 0, memoryBytes: 0 }, powerW: powerW[i] ?? 0 };
    const curve = ctx.curves[i];
    if (curve !== undefined) expectedEmissionsG += emissionsG(curve, powerW[i] ?? 0);
  });
  const workloads = ctx.input.workloads.map((w) => byKeyPlan.get(w.key)).filter((p): p is WorkloadPlan => p !== undefined);
  return { workloads, hubs, expectedEmissionsG };
}

function workloadPlan(ctx: Context, e: Entry, byHub: readonly number[]): WorkloadPlan {
  const { w } = e;
  const windowMs = judgementWindowMs(w.minDwellMs);
  const greenOrder = ctx.greenOrder(e);
  const hub =
    w.replicas === 0 ? (e.current ?? greenOrder[0] ?? null) : e.status.kind === 'pinned' ? e.current : plannedHub(ctx, e, byHub);
  const name = (h: number): string => ctx.hubs[h]?.name ?? '';
  const replicasByHub: Record<string, number> = {};
  e.eligible.forEach((h) => {
    const n = byHub[h] ?? 0;
    if (n > 0) replicasByHub[name(h)] = n;
  });
  const placed = Object.values(replicasByHub).reduce((a, b) => a + b, 0);
  const moved = hub !== null && w.currentHub !== null && w.replicas > 0 && name(hub) !== w.currentHub;
  let reason = reasonFor(ctx, e, hub, moved, greenOrder);
  if (hub !== null && placed < w.replicas && w.replicas > 0) reason = reasons.partial(reason, w.replicas - placed, w.replicas);
  const expected = hub === null ? { renewableShare: 0, carbonIntensity: 0 } : ctx.expected(hub, windowMs);
  return {
    key: w.key,
    hub: hub === null ? null : name(hub),
    fallbacks: greenOrder.filter((h) => h !== hub).map(name),
    greenOrder: greenOrder.map(name),
    replicasByHub,
    expected,
    moved,
    reason,
  };
}

function reasonFor(ctx: Context, e: Entry, hub: number | null, moved: boolean, greenOrder: number[]): string {
  const { w } = e;
  const name = (h: number): string => ctx.hubs[h]?.name ?? '';
  if (e.eligible.length === 0) return reasons.noEligibleHub();
  if (hub === null) return reasons.noRoom();
  if (w.replicas === 0) return reasons.noReplicas(name(hub));
  if (e.status.kind === 'pinned') {
    const heldBy = e.status.heldBy;
    switch (heldBy.kind) {
      case 'inProgress':
        return reasons.inProgress();
      case 'dwell':
        return reasons.withinDwell(ctx.input.nowMs - (w.lastMoveMs ?? ctx.input.nowMs), w.minDwellMs);
      case 'minImprovement':
        return reasons.belowMinImprovement(heldBy.gain, w.minImprovement);
      case 'budget':
        return heldBy.hub === null
          ? reasons.budgetUsed(ctx.input.limits.maxConcurrentMoves)
          : reasons.hubBudgetUsed(ctx.input.limits.maxConcurrentMovesPerHub, heldBy.hub);
      case 'noGreenerHub':
        return reasons.noGreenerHub(name(hub), judgementWindowMs(w.minDwellMs));
    }
  }
  if (w.currentHub === null) {
    const windowMs = judgementWindowMs(w.minDwellMs);
    const top = greenOrder[0];
    const greenest = top !== undefined && ctx.share(hub, windowMs) >= ctx.share(top, windowMs);
    return reasons.firstPlacement(name(hub), greenest);
  }
  const displaced = e.status.displaced;
  if (moved && displaced !== undefined) {
    return reasons.neededElsewhere(w.currentHub, name(hub), displaced.neededBy, displaced.onlyHub);
  }
  if (moved && e.status.forced !== null && e.status.forced !== 'displaced') return reasons.forcedMove(w.currentHub, name(hub), e.status.forced);
  if (moved && e.current !== null) {
    return reasons.moved(w.currentHub, name(hub), gainOf(ctx, e, e.current, hub), judgementWindowMs(w.minDwellMs));
  }
  return reasons.bestAlready(name(hub));
}

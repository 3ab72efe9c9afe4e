// Settling a plan: pinning staying workloads where they run, the lone moves that unused budget
// allows at the end, and the overflow of staying workloads to any eligible hub with room.
import type { Allocation, FreeWorkload, HubState } from './allocation.ts';
import { replicasThatFit, take } from './allocation.ts';
import type { BudgetUsage } from './budget.ts';
import { book } from './budget.ts';
import { emissionsG } from './hub-cost.ts';
import type { Context, Entry } from './state.ts';
import { gainOf, merged, passesGain, plannedHub, residualOf, toFree } from './state.ts';
import type { Resources } from './types.ts';

/**
 * Each workload still held for a budget that is not used: moved alone, all else fixed, to the
 * eligible hub that passes the rules, has room for all its replicas and lowers the emissions
 * most; or left where it is.
 */
export function moveStaleHoldsAlone(ctx: Context, active: Entry[], stale: Entry[], allocation: Allocation, pinned: Allocation, usage: BudgetUsage): void {
  const limits = ctx.input.limits;
  const { residual, powerW } = residualOf(ctx, active, pinned, allocation);
  const grams = (h: number, w: number): number => {
    const curve = ctx.curves[h];
    return curve === undefined ? 0 : emissionsG(curve, w);
  };
  for (const e of stale) {
    const from = e.current;
    const byHub = pinned.get(e.w.key);
    if (from === null || byHub === undefined || (byHub[from] ?? 0) !== e.w.replicas) continue;
    const fromName = ctx.hubs[from]?.name ?? '';
    if (usage.total >= limits.maxConcurrentMoves || (usage.perHub.get(fromName) ?? 0) >= limits.maxConcurrentMovesPerHub) continue;
    const leaveW = e.w.replicas * e.w.powerPerReplicaW;
    const saved = grams(from, powerW[from] ?? 0) - grams(from, (powerW[from] ?? 0) - leaveW);
    let best: { hub: number; delta: number } | null = null;
    for (const h of e.eligible) {
      const name = ctx.hubs[h]?.name ?? '';
      const room = residual[h];
      if (h === from || room === undefined || !passesGain(gainOf(ctx, e, from, h), e.w.minImprovement)) continue;
      if ((usage.perHub.get(name) ?? 0) >= limits.maxConcurrentMovesPerHub) continue;
      if (replicasThatFit(room, e.w.perReplica, e.w.replicas) < e.w.replicas) continue;
      const delta = grams(h, (powerW[h] ?? 0) + leaveW) - grams(h, powerW[h] ?? 0) - saved;
      // The optimiser moves only for a real saving; rounding noise is no reason to roll out.
      if (delta < -1e-6 * Math.max(1, saved) && (best === null || delta < best.delta)) best = { hub: h, delta };
    }
    if (best === null) continue;
    const to = best.hub;
    const toName = ctx.hubs[to]?.name ?? '';
    const fromRoom = residual[from];
    const toRoom = residual[to];
    if (fromRoom !== undefined) take(fromRoom, e.w.perReplica, -e.w.replicas);
    if (toRoom !== undefined) take(toRoom, e.w.perReplica, e.w.replicas);
    powerW[from] = (powerW[from] ?? 0) - leaveW;
    powerW[to] = (powerW[to] ?? 0) + leaveW;
    const moved = new Array<number>(ctx.hubs.length).fill(0);
    moved[to] = e.w.replicas;
    pinned.delete(e.w.key);
    allocation.set(e.w.key, moved);
    e.status = { kind: 'free', forced: null };
    book(usage, fromName, toName);
  }
}

/**
 * Replicas still without a place, of a workload that stays (or is placed for the first time), go
 * to any eligible hub with room, greenest first, as a pinned workload's overflow does: that is
 * not a move, so the gain rule does not restrict it. (A workload free to move is otherwise
 * limited to hubs it may move to, and those can be full while others have room.) No hub gets
 * more of its replicas than its planned hub, so the planned hub, and so the decision, stays.
 */
export function spillLeftovers(ctx: Context, active: readonly Entry[], allocation: Allocation, pinned: Allocation): void {
  const { residual, byHub: placed } = residualOf(ctx, active, pinned, allocation);
  active.forEach((e, i) => {
    const byHub = placed[i];
    if (byHub === undefined) return;
    let missing = e.w.replicas - e.eligible.reduce((sum, h) => sum + (byHub[h] ?? 0), 0);
    if (missing <= 0) return;
    const planned = plannedHub(ctx, e, byHub);
    // A move or a forced move is the optimiser's and the rules' business; only stays and first placements spill.
    if (e.w.currentHub !== null && (planned === null || planned !== e.current)) return;
    const extra = new Array<number>(ctx.hubs.length).fill(0);
    for (const h of ctx.greenOrder(e)) {
      const room = residual[h];
      if (room === undefined || missing === 0) continue;
      const cap = planned === null || h === planned ? missing : Math.max(0, (byHub[planned] ?? 0) - (byHub[h] ?? 0));
      const n = Math.min(missing, cap, replicasThatFit(room, e.w.perReplica, missing));
      if (n === 0) continue;
      take(room, e.w.perReplica, n);
      extra[h] = n;
      byHub[h] = (byHub[h] ?? 0) + n;
      missing -= n;
    }
    if (extra.some((n) => n > 0)) allocation.set(e.w.key, merged(allocation.get(e.w.key) ?? new Array<number>(ctx.hubs.length).fill(0), extra));
  });
}

/**
 * Pinned workloads keep the replicas that run where they are, in key order; what does not fit
 * there (capacity shrank, or the workload scaled up) spills over to other eligible hubs through
 * the allocator, which is not a move. One that keeps nothing (no room at all) is set free to
 * go where there is room: rule 2 outranks stability.
 */
export function pinWhereTheyRun(ctx: Context, active: Entry[]): { hubStates: HubState[]; pinned: Allocation; spill: FreeWorkload[] } {
  const residual: Resources[] = ctx.hubs.map((h) => ({ ...h.free }));
  const baseW = ctx.hubs.map(() => 0);
  const pinned: Allocation = new Map();
  const spill: FreeWorkload[] = [];
  for (const e of active) {
    if (e.status.kind !== 'pinned' || e.current === null) continue;
    const running = e.running;
    const byHub = new Array<number>(ctx.hubs.length).fill(0);
    let kept = 0;
    for (const [h, n] of running) {
      const room = residual[h];
      if (room === undefined) continue;
      const keep = replicasThatFit(room, e.w.perReplica, n);
      take(room, e.w.perReplica, keep);
      baseW[h] = (baseW[h] ?? 0) + keep * e.w.powerPerReplicaW;
      byHub[h] = keep;
      kept += keep;
    }
    if ((byHub[e.current] ?? 0) === 0 && (running.get(e.current) ?? 0) > 0) {
      // Nothing fits where it runs: hand back what it took and let it go where there is room.
      for (const [h, n] of byHub.entries()) {
        const room = residual[h];
        if (n === 0 || room === undefined) continue;
        take(room, e.w.perReplica, -n);
        baseW[h] = (baseW[h] ?? 0) - n * e.w.powerPerReplicaW;
      }
      e.status = { kind: 'free', forced: 'noRoom' };
      continue;
    }
    pinned.set(e.w.key, byHub);
    if (kept < e.w.replicas) spill.push({ ...toFree(e), eligible: e.eligible, replicas: e.w.replicas - kept, staying: new Map() });
  }
  const hubStates = ctx.hubs.map((h, i) => ({
    name: h.name,
    curve: ctx.curves[i] ?? { pue: h.pue, gridCarbonIntensity: h.gridCarbonIntensity, slots: [] },
    residual: residual[i] ?? { ...h.free },
    baseW: baseW[i] ?? 0,
    horizonShare: ctx.horizonShare[i] ?? 0,
  }));
  return { hubStates, pinned, spill };
}

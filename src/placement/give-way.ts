// Giving way: a held workload leaves the hub that a workload with nowhere else to go needs,
// tried on top of a settled plan and kept only when it helps (docs/planner.md, "Giving way").
import type { Allocation } from './allocation.ts';
import type { BudgetState, BudgetUsage } from './budget.ts';
import type { Displacement, Needy, Resident } from './displace.ts';
import { chooseDisplacements } from './displace.ts';
import type { Context, Entry, HeldBy, Status } from './state.ts';
import { residualOf } from './state.ts';

/** A plan that passed every rule: what giving way starts from, and falls back to. */
export interface Settled {
  allocation: Allocation;
  pinned: Allocation;
  usage: BudgetUsage;
  budget: BudgetState;
  statuses: Status[];
  /** replicas placed per active entry */
  placed: number[];
}

/** Re-solves spent on giving way per plan; each sets free a set of residents and plans again. */
export const maxGiveWayTrials = 4;

/** Holds that give way to a workload with nowhere else to go; a rollout in progress does not. */
const yieldingHolds = new Set<HeldBy['kind']>(['dwell', 'minImprovement', 'budget', 'noGreenerHub']);

export function placedOf(active: readonly Entry[], pinned: Allocation, allocation: Allocation): Pick<Settled, 'placed'> {
  const count = (byHub: readonly number[] | undefined, e: Entry): number => (byHub === undefined ? 0 : e.eligible.reduce((sum, h) => sum + (byHub[h] ?? 0), 0));
  return { placed: active.map((e) => count(pinned.get(e.w.key), e) + count(allocation.get(e.w.key), e)) };
}

export function restore(active: Entry[], settled: Settled): void {
  active.forEach((e, i) => {
    const status = settled.statuses[i];
    if (status !== undefined) e.status = status;
  });
}

/**
 * Giving way is kept only if it helps: more replicas are placed than before, no running replica
 * loses its place (new replicas may be placed differently), and for every hub cleared, some workload that may use it has more replicas placed than before and than
 * run now. That is the workload it was cleared for when it gained, else the first (key order) that
 * did: the optimiser may give the room to another workload short of it. Returns, per
 * displacement, the key of that workload; null when the trial does not help.
 */
export function whoGained(active: readonly Entry[], before: Settled, after: Settled, trial: readonly Displacement[]): string[] | null {
  const running = active.map((e) => [...e.running.values()].reduce((a, b) => a + b, 0));
  const total = (placed: readonly number[]): number => placed.reduce((a, b) => a + b, 0);
  // Running replicas are never given up; new ones may be placed differently, if more are placed.
  if (total(after.placed) <= total(before.placed)) return null;
  if (after.placed.some((n, i) => n < Math.min(before.placed[i] ?? 0, running[i] ?? 0))) return null;
  const gainers = active.filter((_, i) => (after.placed[i] ?? 0) > Math.max(running[i] ?? 0, before.placed[i] ?? 0));
  const credited: string[] = [];
  for (const d of trial) {
    const mayUse = gainers.filter((e) => e.eligible.includes(d.hub));
    const who = mayUse.find((e) => e.w.key === d.needy) ?? mayUse[0];
    if (who === undefined) return null;
    credited.push(who.w.key);
  }
  return credited;
}

/** The reasons of the residents name the workload that gained the room. */
export function creditGainers(active: readonly Entry[], trial: readonly Displacement[], credited: readonly string[]): void {
  const byKeyEntry = new Map(active.map((e) => [e.w.key, e]));
  trial.forEach((d, k) => {
    const neededBy = credited[k] ?? d.needy;
    const onlyHub = (byKeyEntry.get(neededBy)?.eligible.length ?? 0) <= 1;
    for (const key of d.residents) {
      const e = byKeyEntry.get(key);
      if (e !== undefined) e.status = { kind: 'free', forced: 'displaced', displaced: { from: d.hub, neededBy, onlyHub } };
    }
  });
}

/**
 * After a settled plan: for each workload with replicas left unplaced (key order), the fewest
 * running workloads to send off one of its eligible hubs so that more of it fits there, each with
 * room for all its replicas at one of its other eligible hubs. Residents are workloads that run
 * at that hub and stay there, held by a stability rule other than a rollout in progress, or kept
 * by the optimiser.
 */
export function giveWay(ctx: Context, active: readonly Entry[], state: Settled, givenUp: ReadonlySet<string>): Displacement[] | null {
  const { residual, byHub: planned } = residualOf(ctx, active, state.pinned, state.allocation);
  const needy: Needy[] = [];
  const residentsAt: Resident[][] = ctx.hubs.map(() => []);
  active.forEach((e, i) => {
    const byHub = planned[i] ?? [];
    const placed = state.placed[i] ?? 0;
    if (placed < e.w.replicas) {
      // A workload short of room is never asked to make room for another.
      if (e.eligible.length > 0 && !givenUp.has(e.w.key)) {
        needy.push({ key: e.w.key, missing: e.w.replicas - placed, perReplica: e.w.perReplica, eligible: ctx.greenOrder(e) });
      }
      return;
    }
    const h = e.current;
    const here = h === null ? 0 : (byHub[h] ?? 0);
    const yields =
      e.status.kind === 'pinned' ? yieldingHolds.has(e.status.heldBy.kind) : e.status.forced === null && e.w.currentHub !== null;
    if (h !== null && here > 0 && yields && e.eligible.length > 1) {
      residentsAt[h]?.push({ key: e.w.key, hub: h, replicas: here, perReplica: e.w.perReplica, others: ctx.greenOrder(e).filter((o) => o !== h) });
    }
  });
  if (needy.length === 0) return null;
  const limits = ctx.input.limits;
  const movesLeft = {
    total: limits.maxConcurrentMoves - state.usage.total,
    perHub: ctx.hubs.map((h) => limits.maxConcurrentMovesPerHub - (state.usage.perHub.get(h.name) ?? 0)),
  };
  const chosen = chooseDisplacements(residual, needy, residentsAt, movesLeft);
  return chosen.length === 0 ? null : chosen;
}

/** The residents leave: free, forced off the hub they were asked to leave. */
export function applyDisplacements(active: readonly Entry[], trial: readonly Displacement[]): void {
  const byKeyEntry = new Map(active.map((e) => [e.w.key, e]));
  for (const d of trial) {
    const onlyHub = (byKeyEntry.get(d.needy)?.eligible.length ?? 0) <= 1;
    for (const key of d.residents) {
      const e = byKeyEntry.get(key);
      if (e !== undefined) e.status = { kind: 'free', forced: 'displaced', displaced: { from: d.hub, neededBy: d.needy, onlyHub } };
    }
  }
}

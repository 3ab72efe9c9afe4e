// The stability rules and the move budget: which hubs a running workload may move to this
// round, and which proposed moves the budget admits, booked one way.
import type { Allocation } from './allocation.ts';
import type { Context, Entry, HeldBy } from './state.ts';
import { gainOf, passesGain, plannedHub } from './state.ts';
import type { PlanInput } from './types.ts';

/** What the move budget still allows after a round. */
export interface BudgetState {
  full: boolean;
  /** hubs whose per-hub budget is used */
  closed: Set<string>;
  /** workloads whose move was accepted in the last round: the budget they use is theirs */
  accepted: Set<string>;
}

export function budgetState(ctx: Context, usage: BudgetUsage, accepted: Set<string>): BudgetState {
  const closed = new Set<string>();
  for (const [hub, n] of usage.perHub) if (n >= ctx.input.limits.maxConcurrentMovesPerHub) closed.add(hub);
  return { full: usage.total >= ctx.input.limits.maxConcurrentMoves, closed, accepted };
}

/**
 * The rules decide where a running workload may go before the optimiser looks: its own hub, or
 * an eligible hub that gains enough and whose move budget is not used up. A workload left with
 * only its own hub is pinned there, with the rule that held it.
 */
export function restrictToAllowedMoves(ctx: Context, active: Entry[], budget: BudgetState): void {
  for (const e of active) {
    e.allowed = e.eligible;
    if (e.status.kind === 'pinned' && e.status.transient === true) e.status = { kind: 'free', forced: null };
    const displaced = e.status.kind === 'free' ? e.status.displaced : undefined;
    // Sent off its hub for another workload: anywhere else it may use, whatever the rules.
    if (displaced !== undefined) {
      const own = budget.accepted.has(e.w.key);
      e.allowed = e.eligible.filter((h) => h !== displaced.from && (own || !budget.closed.has(ctx.hubs[h]?.name ?? '')));
    }
    if (e.status.kind !== 'free' || e.status.forced !== null || e.current === null) continue;
    const current = e.current;
    const currentName = ctx.hubs[current]?.name ?? '';
    const ownBudget = budget.accepted.has(e.w.key);
    const heldBy = budgetRules.map((rule) => rule(e, currentName, budget)).find((h) => h !== null);
    if (heldBy !== undefined) {
      e.status = { kind: 'pinned', heldBy, transient: true };
      continue;
    }
    let bestGain = -Infinity;
    let closedTarget: string | null = null;
    const allowed: number[] = [];
    for (const h of e.eligible) {
      // Where it runs now it may stay; anywhere else is a move and must pass the rules.
      if (h === current || e.running.has(h)) {
        allowed.push(h);
        if (h !== current) bestGain = Math.max(bestGain, gainOf(ctx, e, current, h));
        continue;
      }
      const gain = gainOf(ctx, e, current, h);
      bestGain = Math.max(bestGain, gain);
      if (!passesGain(gain, e.w.minImprovement)) continue;
      const name = ctx.hubs[h]?.name ?? '';
      if (!ownBudget && budget.closed.has(name)) closedTarget ??= name;
      else allowed.push(h);
    }
    if (allowed.length > 1) e.allowed = allowed;
    else if (closedTarget !== null) e.status = { kind: 'pinned', heldBy: { kind: 'budget', hub: closedTarget }, transient: true };
    else if (bestGain > 0) e.status = { kind: 'pinned', heldBy: { kind: 'minImprovement', gain: bestGain }, transient: true };
    else e.status = { kind: 'pinned', heldBy: { kind: 'noGreenerHub' }, transient: true };
  }
}

/**
 * What the move budget, as the last round left it, decides for a running workload free to move,
 * in order: the first that applies holds it where it is for this round.
 */
type BudgetRule = (e: Entry, currentName: string, budget: BudgetState) => HeldBy | null;

const budgetRules: readonly BudgetRule[] = [
  (e, _name, budget) => (!budget.accepted.has(e.w.key) && budget.full ? { kind: 'budget', hub: null } : null),
  (e, name, budget) => (!budget.accepted.has(e.w.key) && budget.closed.has(name) ? { kind: 'budget', hub: name } : null),
];

interface Held {
  entry: Entry;
  heldBy: HeldBy;
}

export interface BudgetUsage {
  total: number;
  perHub: Map<string, number>;
}

/** Rollouts in progress, and the moves of this round, against the budget. */
export function countBudget(ctx: Context, moves: readonly { from: string; to: string }[], perHub: Map<string, number>): BudgetUsage {
  const bump = (hub: string | null | undefined): void => {
    if (hub !== null && hub !== undefined) perHub.set(hub, (perHub.get(hub) ?? 0) + 1);
  };
  for (const w of ctx.input.workloads) {
    if (!ctx.inProgress.has(w.key)) continue;
    bump(w.currentHub);
    if (w.previousHub !== w.currentHub) bump(w.previousHub);
  }
  const usage = { total: ctx.inProgress.size, perHub };
  for (const m of moves) book(usage, m.from, m.to);
  return usage;
}

/** The one way a move is booked against the budget: one rollout, counted at both ends. */
export function book(usage: BudgetUsage, from: string, to: string): void {
  usage.total++;
  usage.perHub.set(from, (usage.perHub.get(from) ?? 0) + 1);
  usage.perHub.set(to, (usage.perHub.get(to) ?? 0) + 1);
}

/** Why the budget refuses a move from `from` to `to` as it stands, or null if it has room. */
function budgetHold(limits: PlanInput['limits'], usage: BudgetUsage, from: string, to: string): HeldBy | null {
  if (usage.total >= limits.maxConcurrentMoves) return { kind: 'budget', hub: null };
  const busy = [from, to].find((hub) => (usage.perHub.get(hub) ?? 0) >= limits.maxConcurrentMovesPerHub);
  return busy === undefined ? null : { kind: 'budget', hub: busy };
}

/**
 * Which proposed moves break the rules: too small a gain over the dwell window, or beyond the
 * move budget. Forced moves are taken first and always; the best gains get the budget that is
 * left; moves that give way to a workload with nowhere else to go get what is left after them.
 */
export function judgeMoves(ctx: Context, movable: Entry[], allocation: Allocation): { held: Held[]; usage: BudgetUsage; accepted: Set<string> } {
  const limits = ctx.input.limits;
  const held: Held[] = [];
  const forced: { from: string; to: string }[] = [];
  const displaced: { entry: Entry; from: string; to: string }[] = [];
  const candidates: { entry: Entry; from: string; to: string; gain: number }[] = [];
  for (const e of movable) {
    if (e.w.currentHub === null) continue;
    const to = plannedHub(ctx, e, allocation.get(e.w.key) ?? []);
    if (to === null || to === e.current) continue;
    const toName = ctx.hubs[to]?.name ?? '';
    if (e.status.kind === 'free' && e.status.forced === 'displaced') displaced.push({ entry: e, from: e.w.currentHub, to: toName });
    else if (e.status.kind === 'free' && e.status.forced !== null) forced.push({ from: e.w.currentHub, to: toName });
    else if (e.current !== null) {
      const gain = gainOf(ctx, e, e.current, to);
      if (passesGain(gain, e.w.minImprovement)) candidates.push({ entry: e, from: e.w.currentHub, to: toName, gain });
      else held.push({ entry: e, heldBy: { kind: 'minImprovement', gain } });
    }
  }
  const usage = countBudget(ctx, forced, new Map());
  const accepted = new Set<string>();
  candidates.sort((a, b) => b.gain - a.gain || (a.entry.w.key < b.entry.w.key ? -1 : 1));
  const admit = (m: { entry: Entry; from: string; to: string }): void => {
    const heldBy = budgetHold(limits, usage, m.from, m.to);
    if (heldBy !== null) held.push({ entry: m.entry, heldBy });
    else {
      book(usage, m.from, m.to);
      accepted.add(m.entry.w.key);
    }
  };
  for (const c of candidates) admit(c);
  // Giving way comes last: it takes only the budget that is left, so it never cancels a move the
  // budget already allows (that move may be what makes room).
  for (const m of displaced) admit(m);
  return { held, usage, accepted };
}

// The planner: where each workload should run, with a reason. Pure: the same input gives the
// same plan. The allocator proposes the placement with the least expected emissions; the
// stability rules (dwell, minimum improvement, move budget) then decide which moves happen.
// Workloads held back are pinned where they run and the rest is planned again, until every
// remaining move passes the rules.
import type { Allocation, Allocator, FreeWorkload, HubState } from './allocation.ts';
import { replicasThatFit, take } from './allocation.ts';
import type { Displacement, Needy, Resident } from './displace.ts';
import { chooseDisplacements } from './displace.ts';
import { costCurve, emissionsG } from './hub-cost.ts';
import { optimalAllocator } from './optimise.ts';
import type { ForcedBy } from './reasons.ts';
import { reasons } from './reasons.ts';
import type { Plan, PlanInput, PlannerHub, PlannerWorkload, Resources, WorkloadPlan } from './types.ts';
import { judgementWindowMs, windowAverage } from './window.ts';

/** Gains are compared with this slack so that a share computed two ways never flips a decision. */
const gainEpsilon = 1e-9;

type HeldBy =
  | { kind: 'inProgress' }
  | { kind: 'dwell' }
  | { kind: 'minImprovement'; gain: number }
  | { kind: 'budget'; hub: string | null }
  | { kind: 'noGreenerHub' };

/** A workload sent off its hub because another one has nowhere else to go (see `giveWay`). */
interface Displaced {
  from: number;
  neededBy: string;
  /** the needy workload may use no other hub at all (rather than none with room) */
  onlyHub: boolean;
}

type Status =
  | { kind: 'free'; forced: ForcedBy | 'displaced' | null; displaced?: Displaced }
  /** transient: set by the rules before a round from the budget as it stands, and re-decided each round */
  | { kind: 'pinned'; heldBy: HeldBy; transient?: boolean };

interface Entry {
  w: PlannerWorkload;
  /** eligible hub indices, ascending */
  eligible: number[];
  /** hubs the optimiser may use this round: eligible, minus moves the rules forbid */
  allowed: number[];
  /** replicas running now per eligible hub index */
  running: Map<number, number>;
  /** index of the current hub when it is still eligible */
  current: number | null;
  status: Status;
}

export function plan(input: PlanInput): Plan {
  return planWith(input, optimalAllocator);
}

export function planWith(input: PlanInput, allocate: Allocator): Plan {
  const ctx = context(input);
  const entries = [...input.workloads].sort(byKey).map((w) => entry(ctx, w));
  const active = entries.filter((e) => e.w.replicas > 0);
  let budget = budgetState(ctx, countBudget(ctx, [], new Map()), new Set());
  let rounds = 0;
  // Giving way: the last settled plan, and the displacements being tried on top of it.
  let settled: Settled | null = null;
  let trial: Displacement[] | null = null;
  const givenUp = new Set<string>();
  let trials = 0;
  for (;;) {
    restrictToAllowedMoves(ctx, active, budget);
    const { hubStates, pinned, spill } = pinWhereTheyRun(ctx, active);
    const movable = active.filter((e) => e.status.kind === 'free');
    const allocation = allocate(hubStates, [...movable.map(toFree), ...spill]);
    const { held, usage, accepted } = judgeMoves(ctx, movable, allocation);
    const fresh = budgetState(ctx, usage, accepted);
    // While moves are still being held, what the budget closes stays closed, so rounds narrow
    // down instead of swinging back and forth.
    budget =
      held.length === 0
        ? fresh
        : { full: budget.full || fresh.full, closed: new Set([...budget.closed, ...fresh.closed]), accepted: fresh.accepted };
    if (held.length === 0) {
      let state: Settled = { allocation, pinned, usage, budget, statuses: active.map((e) => e.status), ...placedOf(ctx, active, pinned, allocation) };
      const helped = trial !== null && settled !== null ? whoGained(active, settled, state, trial) : null;
      if (trial !== null && settled !== null && helped === null) {
        // Not better for everyone: back to the settled plan, and try fewer displacements.
        restore(active, settled);
        state = settled;
        if (trial.length > 1) trial = trial.slice(0, Math.ceil(trial.length / 2));
        else {
          for (const d of trial) givenUp.add(d.needy);
          trial = null;
        }
      } else {
        if (trial !== null && helped !== null) {
          creditGainers(active, trial, helped);
          state.statuses = active.map((e) => e.status);
        }
        trial = null;
      }
      settled = state;
      budget = state.budget;
      if (trials < maxGiveWayTrials) {
        trial ??= giveWay(ctx, active, state, givenUp);
        if (trial !== null && trial.length > 0) {
          trials++;
          rounds = 0;
          applyDisplacements(active, trial);
          continue;
        }
      }
      // Held for a budget the final moves may not use after all (two moves that only worked
      // together, one budget slot; a hub closed in an earlier round): each is settled on its
      // own against the final plan.
      const stale = active.filter((e) => e.status.kind === 'pinned' && e.status.heldBy.kind === 'budget');
      moveStaleHoldsAlone(ctx, active, stale, state.allocation, state.pinned, state.usage);
      spillLeftovers(ctx, active, state.allocation, state.pinned);
      return assemble(ctx, entries, state.allocation, state.pinned);
    }
    rounds++;
    for (const { entry: e, heldBy } of held) {
      // Blocked only by the budget of the hub it would go to: it may still go elsewhere, and
      // the next round keeps it off the hubs whose budget is used.
      const elsewhere = heldBy.kind === 'budget' && heldBy.hub !== null && heldBy.hub !== e.w.currentHub && rounds < maxRounds;
      if (!elsewhere) e.status = { kind: 'pinned', heldBy };
    }
  }
}

/** A plan that passed every rule: what giving way starts from, and falls back to. */
interface Settled {
  allocation: Allocation;
  pinned: Allocation;
  usage: BudgetUsage;
  budget: BudgetState;
  statuses: Status[];
  /** replicas placed per active entry, in all and per hub index */
  placed: number[];
  placedByHub: number[][];
}

/** Re-solves spent on giving way per plan; each sets free a set of residents and plans again. */
const maxGiveWayTrials = 4;

/** Holds that give way to a workload with nowhere else to go; a rollout in progress does not. */
const yieldingHolds = new Set<HeldBy['kind']>(['dwell', 'minImprovement', 'budget', 'noGreenerHub']);

function placedOf(ctx: Context, active: readonly Entry[], pinned: Allocation, allocation: Allocation): Pick<Settled, 'placed' | 'placedByHub'> {
  const placedByHub = residualOf(ctx, active, pinned, allocation).byHub;
  const placed = active.map((e, i) => e.eligible.reduce((sum, h) => sum + (placedByHub[i]?.[h] ?? 0), 0));
  return { placed, placedByHub };
}

function restore(active: Entry[], settled: Settled): void {
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
function whoGained(active: readonly Entry[], before: Settled, after: Settled, trial: readonly Displacement[]): string[] | null {
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
function creditGainers(active: readonly Entry[], trial: readonly Displacement[], credited: readonly string[]): void {
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
function giveWay(ctx: Context, active: readonly Entry[], state: Settled, givenUp: ReadonlySet<string>): Displacement[] | null {
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
function applyDisplacements(active: readonly Entry[], trial: readonly Displacement[]): void {
  const byKeyEntry = new Map(active.map((e) => [e.w.key, e]));
  for (const d of trial) {
    const onlyHub = (byKeyEntry.get(d.needy)?.eligible.length ?? 0) <= 1;
    for (const key of d.residents) {
      const e = byKeyEntry.get(key);
      if (e !== undefined) e.status = { kind: 'free', forced: 'displaced', displaced: { from: d.hub, neededBy: d.needy, onlyHub } };
    }
  }
}

/** After this many rounds every held move is pinned where it runs, so planning always ends. */
const maxRounds = 16;

/**
 * Each workload still held for a budget that is not used: moved alone, all else fixed, to the
 * eligible hub that passes the rules, has room for all its replicas and lowers the emissions
 * most; or left where it is.
 */
function moveStaleHoldsAlone(ctx: Context, active: Entry[], stale: Entry[], allocation: Allocation, pinned: Allocation, usage: BudgetUsage): void {
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
function spillLeftovers(ctx: Context, active: readonly Entry[], allocation: Allocation, pinned: Allocation): void {
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

/** What the move budget still allows after a round. */
interface BudgetState {
  full: boolean;
  /** hubs whose per-hub budget is used */
  closed: Set<string>;
  /** workloads whose move was accepted in the last round: the budget they use is theirs */
  accepted: Set<string>;
}

function budgetState(ctx: Context, usage: BudgetUsage, accepted: Set<string>): BudgetState {
  const closed = new Set<string>();
  for (const [hub, n] of usage.perHub) if (n >= ctx.input.limits.maxConcurrentMovesPerHub) closed.add(hub);
  return { full: usage.total >= ctx.input.limits.maxConcurrentMoves, closed, accepted };
}

/** A move must gain at least `minImprovement` (and never lose) renewable share over the window. */
function passesGain(gain: number, minImprovement: number): boolean {
  return gain + gainEpsilon >= Math.max(minImprovement, 0);
}

/**
 * The rules decide where a running workload may go before the optimiser looks: its own hub, or
 * an eligible hub that gains enough and whose move budget is not used up. A workload left with
 * only its own hub is pinned there, with the rule that held it.
 */
function restrictToAllowedMoves(ctx: Context, active: Entry[], budget: BudgetState): void {
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

interface Context {
  input: PlanInput;
  hubs: PlannerHub[];
  index: Map<string, number>;
  curves: ReturnType<typeof costCurve>[];
  horizonShare: number[];
  inProgress: Set<string>;
  share: (hub: number, windowMs: number) => number;
  /** eligible hubs greenest first over the window, then by name */
  greenOrder: (e: Entry) => number[];
  /** renewable share and carbon intensity over the window at a hub */
  expected: (hub: number, windowMs: number) => { renewableShare: number; carbonIntensity: number };
  eligibleOf: (names: readonly string[]) => number[];
}

function context(input: PlanInput): Context {
  const hubs = [...input.hubs].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const index = new Map(hubs.map((h, i) => [h.name, i]));
  const horizonEndMs = Math.max(input.nowMs + 1, ...hubs.flatMap((h) => h.slots.map((s) => s.endMs)));
  const shares = new Map<number, Float64Array>();
  const shareTable = (windowMs: number): Float64Array => {
    let table = shares.get(windowMs);
    if (table === undefined) {
      table = Float64Array.from(hubs, (h) => windowAverage(h, input.nowMs, input.nowMs + windowMs).renewableShare);
      shares.set(windowMs, table);
    }
    return table;
  };
  const orders = new Map<number, Map<readonly number[], number[]>>();
  const averages = new Map<number, Map<number, { renewableShare: number; carbonIntensity: number }>>();
  const eligibleSets = new Map<string, number[]>();
  return {
    input,
    hubs,
    index,
    curves: hubs.map((h) => costCurve(h, input.nowMs)),
    horizonShare: hubs.map((h) => windowAverage(h, input.nowMs, horizonEndMs).renewableShare),
    inProgress: new Set(input.movesInProgress),
    share: (hub, windowMs) => shareTable(windowMs)[hub] ?? 0,
    // Keyed by numbers and by the shared eligible arrays: no string is built per workload.
    expected: (hub, windowMs) => {
      let byHub = averages.get(windowMs);
      if (byHub === undefined) averages.set(windowMs, (byHub = new Map<number, { renewableShare: number; carbonIntensity: number }>()));
      let average = byHub.get(hub);
      if (average === undefined) {
        const { renewableShare, carbonIntensity } = windowAverage(hubs[hub] ?? emptyHub, input.nowMs, input.nowMs + windowMs);
        average = { renewableShare, carbonIntensity };
        byHub.set(hub, average);
      }
      return { ...average };
    },
    greenOrder: (e) => {
      const windowMs = judgementWindowMs(e.w.minDwellMs);
      let bySet = orders.get(windowMs);
      if (bySet === undefined) orders.set(windowMs, (bySet = new Map<readonly number[], number[]>()));
      let order = bySet.get(e.eligible);
      if (order === undefined) {
        const table = shareTable(windowMs);
        order = [...e.eligible].sort((a, b) => (table[b] ?? 0) - (table[a] ?? 0) || a - b);
        bySet.set(e.eligible, order);
      }
      return order;
    },
    // Many workloads share an eligible set: resolve each set once, and share the array.
    eligibleOf: (names) => {
      const key = names.join(',');
      let eligible = eligibleSets.get(key);
      if (eligible === undefined) {
        eligible = [...new Set(names)]
          .map((name) => index.get(name))
          .filter((i): i is number => i !== undefined)
          .sort((a, b) => a - b);
        eligibleSets.set(key, eligible);
      }
      return eligible;
    },
  };
}

function entry(ctx: Context, w: PlannerWorkload): Entry {
  const eligible = ctx.eligibleOf(w.eligibleHubs);
  const currentIndex = w.currentHub === null ? undefined : ctx.index.get(w.currentHub);
  const current = currentIndex !== undefined && eligible.includes(currentIndex) ? currentIndex : null;
  let status: Status = { kind: 'free', forced: null };
  for (const rule of standingRules) {
    const decided = rule(ctx, w, current);
    if (decided !== null) {
      status = decided;
      break;
    }
  }
  const running = runningReplicas(ctx, { w, current, eligible });
  return { w, eligible, allowed: eligible, current, running, status };
}

/**
 * What a workload's own state decides before any round, in order: the first rule that applies
 * wins. A new rule of this kind is one function here, one `HeldBy` kind and its sentence.
 */
type StandingRule = (ctx: Context, w: PlannerWorkload, current: number | null) => Status | null;

const standingRules: readonly StandingRule[] = [
  // Rule 1 outranks stability: a workload on a hub it may no longer use must leave.
  (_ctx, w, current) => (w.currentHub !== null && current === null ? { kind: 'free', forced: 'ineligible' } : null),
  (ctx, w, current) => (current !== null && ctx.inProgress.has(w.key) ? { kind: 'pinned', heldBy: { kind: 'inProgress' } } : null),
  (ctx, w, current) => (current !== null && withinDwell(ctx.input.nowMs, w) ? { kind: 'pinned', heldBy: { kind: 'dwell' } } : null),
];

/**
 * What the move budget, as the last round left it, decides for a running workload free to move,
 * in order: the first that applies holds it where it is for this round.
 */
type BudgetRule = (e: Entry, currentName: string, budget: BudgetState) => HeldBy | null;

const budgetRules: readonly BudgetRule[] = [
  (e, _name, budget) => (!budget.accepted.has(e.w.key) && budget.full ? { kind: 'budget', hub: null } : null),
  (e, name, budget) => (!budget.accepted.has(e.w.key) && budget.closed.has(name) ? { kind: 'budget', hub: name } : null),
];

function withinDwell(nowMs: number, w: PlannerWorkload): boolean {
  return w.lastMoveMs !== null && nowMs - w.lastMoveMs < w.minDwellMs;
}

/**
 * Pinned workloads keep the replicas that run where they are, in key order; what does not fit
 * there (capacity shrank, or the workload scaled up) spills over to other eligible hubs through
 * the allocator, which is not a move. One that keeps nothing (no room at all) is set free to
 * go where there is room: rule 2 outranks stability.
 */
function pinWhereTheyRun(ctx: Context, active: Entry[]): { hubStates: HubState[]; pinned: Allocation; spill: FreeWorkload[] } {
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

/** Replicas running now per eligible hub index, at most `replicas` in all, the current hub first. */
function runningReplicas(ctx: Context, e: Pick<Entry, 'w' | 'current' | 'eligible'>): Map<number, number> {
  const running = new Map<number, number>();
  if (e.current === null) return running;
  const reported = e.w.currentReplicasByHub;
  let left = e.w.replicas;
  const add = (h: number, n: number): void => {
    const keep = Math.max(0, Math.min(left, Math.floor(n)));
    if (keep === 0) return;
    running.set(h, keep);
    left -= keep;
  };
  if (reported === undefined) {
    add(e.current, e.w.replicas);
    return running;
  }
  add(e.current, reported[e.w.currentHub ?? ''] ?? 0);
  for (const h of e.eligible) if (h !== e.current) add(h, reported[ctx.hubs[h]?.name ?? ''] ?? 0);
  return running;
}

function toFree(e: Entry): FreeWorkload {
  const displaced = e.status.kind === 'free' && e.status.displaced !== undefined;
  return {
    // Sent off its hub, it still runs: its replicas keep their priority over new ones.
    ...(displaced ? { running: [...e.running.values()].reduce((a, b) => a + b, 0) } : {}),
    key: e.w.key,
    replicas: e.w.replicas,
    perReplica: e.w.perReplica,
    powerPerReplicaW: e.w.powerPerReplicaW,
    eligible: e.allowed,
    stayHub: e.current,
    staying: new Map([...e.running].filter(([h]) => e.allowed.includes(h))),
  };
}

/** The hub holding most replicas; ties go to the current hub, then the greener, then by name. */
function plannedHub(ctx: Context, e: Entry, byHub: readonly number[]): number | null {
  let best: number | null = null;
  const windowMs = judgementWindowMs(e.w.minDwellMs);
  for (const h of e.eligible) {
    const n = byHub[h] ?? 0;
    if (n === 0) continue;
    if (best === null) {
      best = h;
      continue;
    }
    const bestN = byHub[best] ?? 0;
    if (n > bestN) best = h;
    else if (n === bestN && best !== e.current && (h === e.current || ctx.share(h, windowMs) > ctx.share(best, windowMs)))
      best = h;
  }
  return best;
}

function gainOf(ctx: Context, e: Entry, from: number, to: number): number {
  const windowMs = judgementWindowMs(e.w.minDwellMs);
  return ctx.share(to, windowMs) - ctx.share(from, windowMs);
}

interface Held {
  entry: Entry;
  heldBy: HeldBy;
}

interface BudgetUsage {
  total: number;
  perHub: Map<string, number>;
}

/** Rollouts in progress, and the moves of this round, against the budget. */
function countBudget(ctx: Context, moves: readonly { from: string; to: string }[], perHub: Map<string, number>): BudgetUsage {
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
function book(usage: BudgetUsage, from: string, to: string): void {
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
function judgeMoves(ctx: Context, movable: Entry[], allocation: Allocation): { held: Held[]; usage: BudgetUsage; accepted: Set<string> } {
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

function assemble(ctx: Context, entries: Entry[], allocation: Allocation, pinned: Allocation): Plan {
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

/** What the plan so far leaves of each hub: free capacity minus the planned load, and the IT watts planned there. */
interface Residual {
  residual: Resources[];
  powerW: number[];
  /** replicas planned per entry (in the order given) and hub index */
  byHub: number[][];
}

/** The one place residual capacity is computed from a plan: pinned plus allocated replicas of each entry. */
function residualOf(ctx: Context, entries: readonly Entry[], pinned: Allocation, allocation: Allocation): Residual {
  const residual: Resources[] = ctx.hubs.map((h) => ({ ...h.free }));
  const powerW = ctx.hubs.map(() => 0);
  const byHub = entries.map((e) => {
    const placed = merged(pinned.get(e.w.key), allocation.get(e.w.key));
    for (const h of e.eligible) {
      const n = placed[h] ?? 0;
      const room = residual[h];
      if (n === 0 || room === undefined) continue;
      take(room, e.w.perReplica, n);
      powerW[h] = (powerW[h] ?? 0) + n * e.w.powerPerReplicaW;
    }
    return placed;
  });
  return { residual, powerW, byHub };
}

function merged(a: readonly number[] | undefined, b: readonly number[] | undefined): number[] {
  if (a === undefined) return b === undefined ? [] : [...b];
  if (b === undefined) return [...a];
  return a.map((n, h) => n + (b[h] ?? 0));
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

const emptyHub: PlannerHub = {
  name: '',
  pue: 1,
  gridCarbonIntensity: 0,
  free: { gpu: 0, cpuMilli: 0, memoryBytes: 0 },
  slots: [],
};

function byKey(a: PlannerWorkload, b: PlannerWorkload): number {
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

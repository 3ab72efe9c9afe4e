// The planner: where each workload should run, with a reason. Pure: the same input gives the
// same plan. The allocator proposes the placement with the least expected emissions; the
// stability rules (dwell, minimum improvement, move budget) then decide which moves happen.
// Workloads held back are pinned where they run and the rest is planned again, until every
// remaining move passes the rules.
import type { Allocation, Allocator, FreeWorkload, HubState } from './allocation.ts';
import { replicasThatFit, take } from './allocation.ts';
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
  | { kind: 'budget'; hub: string | null };

type Status = { kind: 'free'; forced: ForcedBy | null } | { kind: 'pinned'; heldBy: HeldBy };

interface Entry {
  w: PlannerWorkload;
  /** eligible hub indices, ascending */
  eligible: number[];
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

  for (;;) {
    const { hubStates, pinned } = pinWhereTheyRun(ctx, active);
    const movable = active.filter((e) => e.status.kind === 'free');
    const allocation = allocate(hubStates, movable.map(toFree));
    const held = judgeMoves(ctx, movable, allocation);
    if (held.length === 0) return assemble(ctx, entries, allocation, pinned);
    for (const { entry: e, heldBy } of held) e.status = { kind: 'pinned', heldBy };
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
}

function context(input: PlanInput): Context {
  const hubs = [...input.hubs].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const horizonEndMs = Math.max(input.nowMs + 1, ...hubs.flatMap((h) => h.slots.map((s) => s.endMs)));
  const cache = new Map<string, number>();
  return {
    input,
    hubs,
    index: new Map(hubs.map((h, i) => [h.name, i])),
    curves: hubs.map((h) => costCurve(h, input.nowMs)),
    horizonShare: hubs.map((h) => windowAverage(h, input.nowMs, horizonEndMs).renewableShare),
    inProgress: new Set(input.movesInProgress),
    share: (hub, windowMs) => {
      const key = `${hub}|${windowMs}`;
      let value = cache.get(key);
      const h = hubs[hub];
      if (value === undefined && h !== undefined) {
        value = windowAverage(h, input.nowMs, input.nowMs + windowMs).renewableShare;
        cache.set(key, value);
      }
      return value ?? 0;
    },
  };
}

function entry(ctx: Context, w: PlannerWorkload): Entry {
  const eligible = [...new Set(w.eligibleHubs)]
    .map((name) => ctx.index.get(name))
    .filter((i): i is number => i !== undefined)
    .sort((a, b) => a - b);
  const currentIndex = w.currentHub === null ? undefined : ctx.index.get(w.currentHub);
  const current = currentIndex !== undefined && eligible.includes(currentIndex) ? currentIndex : null;
  let status: Status = { kind: 'free', forced: null };
  // Rule 1 outranks stability: a workload on a hub it may no longer use must leave.
  if (w.currentHub !== null && current === null) status = { kind: 'free', forced: 'ineligible' };
  else if (current !== null && ctx.inProgress.has(w.key)) status = { kind: 'pinned', heldBy: { kind: 'inProgress' } };
  else if (current !== null && withinDwell(ctx.input.nowMs, w)) status = { kind: 'pinned', heldBy: { kind: 'dwell' } };
  return { w, eligible, current, status };
}

function withinDwell(nowMs: number, w: PlannerWorkload): boolean {
  return w.lastMoveMs !== null && nowMs - w.lastMoveMs < w.minDwellMs;
}

/**
 * Pinned workloads keep all their replicas where they run, in key order. One that no longer
 * fits there (capacity shrank) is set free to go where there is room: rule 2 outranks stability.
 */
function pinWhereTheyRun(ctx: Context, active: Entry[]): { hubStates: HubState[]; pinned: Allocation } {
  const residual: Resources[] = ctx.hubs.map((h) => ({ ...h.free }));
  const baseW = ctx.hubs.map(() => 0);
  const pinned: Allocation = new Map();
  for (const e of active) {
    if (e.status.kind !== 'pinned' || e.current === null) continue;
    const room = residual[e.current];
    if (room === undefined || replicasThatFit(room, e.w.perReplica, e.w.replicas) < e.w.replicas) {
      e.status = { kind: 'free', forced: 'noRoom' };
      continue;
    }
    take(room, e.w.perReplica, e.w.replicas);
    baseW[e.current] = (baseW[e.current] ?? 0) + e.w.replicas * e.w.powerPerReplicaW;
    const byHub = new Array<number>(ctx.hubs.length).fill(0);
    byHub[e.current] = e.w.replicas;
    pinned.set(e.w.key, byHub);
  }
  const hubStates = ctx.hubs.map((h, i) => ({
    name: h.name,
    curve: ctx.curves[i] ?? { pue: h.pue, gridCarbonIntensity: h.gridCarbonIntensity, slots: [] },
    residual: residual[i] ?? { ...h.free },
    baseW: baseW[i] ?? 0,
    horizonShare: ctx.horizonShare[i] ?? 0,
  }));
  return { hubStates, pinned };
}

function toFree(e: Entry): FreeWorkload {
  return {
    key: e.w.key,
    replicas: e.w.replicas,
    perReplica: e.w.perReplica,
    powerPerReplicaW: e.w.powerPerReplicaW,
    eligible: e.eligible,
    stayHub: e.current,
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

/**
 * Which proposed moves break the rules: too small a gain over the dwell window, or beyond the
 * move budget. Forced moves are taken first and always; the best gains get the budget that is left.
 */
function judgeMoves(ctx: Context, movable: Entry[], allocation: Allocation): Held[] {
  const limits = ctx.input.limits;
  const perHub = new Map<string, number>();
  const bump = (hub: string | null | undefined): void => {
    if (hub !== null && hub !== undefined) perHub.set(hub, (perHub.get(hub) ?? 0) + 1);
  };
  let total = ctx.inProgress.size;
  for (const w of ctx.input.workloads) {
    if (!ctx.inProgress.has(w.key)) continue;
    bump(w.currentHub);
    if (w.previousHub !== w.currentHub) bump(w.previousHub);
  }

  const held: Held[] = [];
  const candidates: { entry: Entry; from: string; to: string; gain: number }[] = [];
  for (const e of movable) {
    if (e.w.currentHub === null) continue;
    const to = plannedHub(ctx, e, allocation.get(e.w.key) ?? []);
    if (to === null || to === e.current) continue;
    const toName = ctx.hubs[to]?.name ?? '';
    if (e.status.kind === 'free' && e.status.forced !== null) {
      total++;
      bump(e.w.currentHub);
      bump(toName);
      continue;
    }
    if (e.current === null) continue;
    const gain = gainOf(ctx, e, e.current, to);
    if (gain + gainEpsilon < e.w.minImprovement || gain < 0) held.push({ entry: e, heldBy: { kind: 'minImprovement', gain } });
    else candidates.push({ entry: e, from: e.w.currentHub, to: toName, gain });
  }
  candidates.sort((a, b) => b.gain - a.gain || (a.entry.w.key < b.entry.w.key ? -1 : 1));
  for (const c of candidates) {
    if (total >= limits.maxConcurrentMoves) {
      held.push({ entry: c.entry, heldBy: { kind: 'budget', hub: null } });
      continue;
    }
    const busy = [c.from, c.to].find((hub) => (perHub.get(hub) ?? 0) >= limits.maxConcurrentMovesPerHub);
    if (busy !== undefined) {
      held.push({ entry: c.entry, heldBy: { kind: 'budget', hub: busy } });
      continue;
    }
    total++;
    bump(c.from);
    bump(c.to);
  }
  return held;
}

function assemble(ctx: Context, entries: Entry[], allocation: Allocation, pinned: Allocation): Plan {
  const byKeyPlan = new Map<string, WorkloadPlan>();
  const replicas = ctx.hubs.map(() => 0);
  const load: Resources[] = ctx.hubs.map(() => ({ gpu: 0, cpuMilli: 0, memoryBytes: 0 }));
  const powerW = ctx.hubs.map(() => 0);
  for (const e of entries) {
    const byHub = pinned.get(e.w.key) ?? allocation.get(e.w.key) ?? [];
    byHub.forEach((n, h) => {
      if (n === 0) return;
      replicas[h] = (replicas[h] ?? 0) + n;
      const l = load[h];
      if (l !== undefined) take(l, e.w.perReplica, -n);
      powerW[h] = (powerW[h] ?? 0) + n * e.w.powerPerReplicaW;
    });
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
  const greenOrder = [...e.eligible].sort((a, b) => ctx.share(b, windowMs) - ctx.share(a, windowMs) || a - b);
  const hub = w.replicas === 0 ? (e.current ?? greenOrder[0] ?? null) : plannedHub(ctx, e, byHub);
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
  const expected =
    hub === null
      ? { renewableShare: 0, carbonIntensity: 0 }
      : (({ renewableShare, carbonIntensity }) => ({ renewableShare, carbonIntensity }))(
          windowAverage(ctx.hubs[hub] ?? ctx.hubs[0] ?? emptyHub, ctx.input.nowMs, ctx.input.nowMs + windowMs),
        );
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
    }
  }
  if (w.currentHub === null) {
    const windowMs = judgementWindowMs(w.minDwellMs);
    const top = greenOrder[0];
    const greenest = top !== undefined && ctx.share(hub, windowMs) >= ctx.share(top, windowMs);
    return reasons.firstPlacement(name(hub), greenest);
  }
  if (moved && e.status.forced !== null) return reasons.forcedMove(w.currentHub, name(hub), e.status.forced);
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

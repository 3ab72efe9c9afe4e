// The planner's state: the context built once per plan (hubs by name, cost curves, shares over
// windows), one entry per workload with the hold its own state decides, and the arithmetic on
// plans that every phase shares (planned hub, gain, residual capacity).
import type { Allocation, FreeWorkload } from './allocation.ts';
import { take } from './allocation.ts';
import { costCurve } from './hub-cost.ts';
import type { ForcedBy } from './reasons.ts';
import type { PlanInput, PlannerHub, PlannerWorkload, Resources } from './types.ts';
import { judgementWindowMs, windowAverage } from './window.ts';

/** Gains are compared with this slack so that a share computed two ways never flips a decision. */
const gainEpsilon = 1e-9;

export type HeldBy =
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

export type Status =
  | { kind: 'free'; forced: ForcedBy | 'displaced' | null; displaced?: Displaced }
  /** transient: set by the rules before a round from the budget as it stands, and re-decided each round */
  | { kind: 'pinned'; heldBy: HeldBy; transient?: boolean };

export interface Entry {
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

/** A move must gain at least `minImprovement` (and never lose) renewable share over the window. */
export function passesGain(gain: number, minImprovement: number): boolean {
  return gain + gainEpsilon >= Math.max(minImprovement, 0);
}

export interface Context {
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

export function context(input: PlanInput): Context {
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

export function entry(ctx: Context, w: PlannerWorkload): Entry {
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

function withinDwell(nowMs: number, w: PlannerWorkload): boolean {
  return w.lastMoveMs !== null && nowMs - w.lastMoveMs < w.minDwellMs;
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

export function toFree(e: Entry): FreeWorkload {
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
export function plannedHub(ctx: Context, e: Entry, byHub: readonly number[]): number | null {
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

export function gainOf(ctx: Context, e: Entry, from: number, to: number): number {
  const windowMs = judgementWindowMs(e.w.minDwellMs);
  return ctx.share(to, windowMs) - ctx.share(from, windowMs);
}

/** What the plan so far leaves of each hub: free capacity minus the planned load, and the IT watts planned there. */
interface Residual {
  residual: Resources[];
  powerW: number[];
  /** replicas planned per entry (in the order given) and hub index */
  byHub: number[][];
}

/** The one place residual capacity is computed from a plan: pinned plus allocated replicas of each entry. */
export function residualOf(ctx: Context, entries: readonly Entry[], pinned: Allocation, allocation: Allocation): Residual {
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

export function merged(a: readonly number[] | undefined, b: readonly number[] | undefined): number[] {
  if (a === undefined) return b === undefined ? [] : [...b];
  if (b === undefined) return [...a];
  return a.map((n, h) => n + (b[h] ?? 0));
}

const emptyHub: PlannerHub = {
  name: '',
  pue: 1,
  gridCarbonIntensity: 0,
  free: { gpu: 0, cpuMilli: 0, memoryBytes: 0 },
  slots: [],
};

export function byKey(a: PlannerWorkload, b: PlannerWorkload): number {
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

// The optimiser. One class of identical replicas: a min-cost flow from groups of workloads (same
// eligible hubs) to hubs, whose arcs to the sink carry the hub's convex marginal carbon cost,
// which is exact. Several classes: decided together through the LP relaxation of the aggregated
// problem, rounded, then improved class by class with the same flow. See docs/planner.md for the
// formulation and what "exact" covers.
import type { Allocation, Allocator, FreeWorkload, HubState } from './allocation.ts';
import { replicasThatFit, runningNow, shapeKey, take } from './allocation.ts';
import { emissionsG, marginalSegments } from './hub-cost.ts';
import { addArc, createNetwork, flowOn, minCostFlow } from './min-cost-flow.ts';
import type { PlacedGroup } from './make-room.ts';
import { makeRoom } from './make-room.ts';
import type { Simplex } from './relaxation.ts';
import { relaxedPlacement } from './relaxation.ts';
import type { Resources } from './types.ts';

/** Largest integer the flow's arithmetic may reach with room to spare. */
const safeLimit = 2 ** 50;

export const optimalAllocator: Allocator = (hubs, workloads) => {
  const state = hubs.map((h) => ({ ...h, residual: { ...h.residual } }));
  const classes = replicaClasses(workloads);
  // One class: the flow is the exact optimum.
  const solved = classes.length <= 1 ? solveClasses(state, classes) : solveJointly(state, classes);
  const allocation: Allocation = new Map();
  for (const group of solved.flat()) splitAmongMembers(group.members, group.placed, hubs.length, allocation);
  return allocation;
};

function solveClasses(state: HubState[], classes: readonly Group[][]): Group[][] {
  for (const groups of classes) solveClass(state, groups);
  return classes as Group[][];
}

/**
 * Several classes: all at once in the LP relaxation, rounded by diving, then each class re-solved
 * exactly against the others' load until nothing improves (block coordinate descent from the
 * joint answer), then room made across shapes, and the descent again. If that places fewer
 * replicas than the relaxation (rounded down), another vertex of the relaxation is rounded the
 * same way. The classes solved one after another are a candidate too; the best result is kept.
 */
function solveJointly(state: HubState[], classes: readonly Group[][]): Group[][] {
  const fresh = (): Candidate => ({
    state: state.map((h) => ({ ...h, residual: { ...h.residual } })),
    classes: classes.map((c) => c.map((g) => ({ ...g, placed: new Map<number, number>() }))),
  });
  const candidates: Candidate[] = [];
  for (const simplex of ['dual', 'primal'] as const) {
    const trial = fresh();
    const groups = trial.classes.flat();
    const bound = roundRelaxation(trial.state, groups, simplex);
    if (bound === null) continue;
    descend(trial.state, trial.classes);
    if (makeRoom(trial.state, groups)) descend(trial.state, trial.classes);
    candidates.push(trial);
    // As many as the relaxation places, rounded down: no rounding places more.
    if (scoreOf(trial.state, groups).placed >= Math.floor(bound + fractionEpsilon)) break;
  }
  // The classes one after another, heavier replicas first (they have fewer ways to fit), then
  // the same descent: with room to spare this is often the greener packing, and it is what
  // remains if HiGHS fails.
  const sequential = fresh();
  solveClasses(sequential.state, sequential.classes);
  descend(sequential.state, sequential.classes);
  candidates.push(sequential);
  let chosen = sequential;
  let best = scoreOf(sequential.state, sequential.classes.flat());
  for (const c of candidates) {
    const score = scoreOf(c.state, c.classes.flat());
    if (better(score, best)) {
      chosen = c;
      best = score;
    }
  }
  state.splice(0, state.length, ...chosen.state);
  return chosen.classes;
}

interface Candidate {
  state: HubState[];
  classes: Group[][];
}

/**
 * Re-solves each class exactly with the others fixed, until a pass improves nothing. A class
 * whose surroundings did not change since it was last solved is skipped: its answer would be
 * the same.
 */
function descend(state: HubState[], classes: readonly Group[][]): void {
  const groups = classes.flat();
  const order = [...classes].reverse();
  // the step at which each class was last solved, and at which its placement last changed
  const solvedAt = order.map(() => -1);
  const changedAt = order.map(() => 0);
  let step = 0;
  let score = scoreOf(state, groups);
  for (let pass = 0; pass < maxImprovementPasses; pass++) {
    order.forEach((members, c) => {
      step++;
      const othersChanged = changedAt.some((at, o) => o !== c && at > (solvedAt[c] ?? -1));
      if (!othersChanged && (solvedAt[c] ?? -1) >= 0) return;
      const before = members.map((g) => [...g.placed].join(';')).join('|');
      for (const g of members) unbook(state, g);
      solveClass(state, members);
      solvedAt[c] = step;
      if (members.map((g) => [...g.placed].join(';')).join('|') !== before) changedAt[c] = step;
    });
    const next = scoreOf(state, groups);
    if (!better(next, score)) break;
    score = next;
  }
}

/** Passes over the classes after the rounding; each pass re-solves every class with the others fixed. */
const maxImprovementPasses = 4;

interface Score {
  placed: number;
  running: number;
  grams: number;
}

function scoreOf(hubs: readonly HubState[], groups: readonly Group[]): Score {
  let placed = 0;
  let running = 0;
  for (const g of groups) {
    let n = 0;
    for (const k of g.placed.values()) n += k;
    placed += n;
    // Within a group running replicas are handed out first (`splitAmongMembers`).
    running += Math.min(n, g.running);
  }
  const grams = hubs.reduce((sum, h) => sum + emissionsG(h.curve, h.baseW), 0);
  return { placed, running, grams };
}

function better(a: Score, b: Score): boolean {
  return a.placed > b.placed || (a.placed === b.placed && (a.running > b.running || (a.running === b.running && a.grams < b.grams * (1 - 1e-12))));
}

/**
 * Rounds the relaxation by diving: solve it on what is left and book its whole replicas (rounded
 * down). When it holds no whole replica anywhere, each fraction (largest first) becomes a whole
 * replica where one still fits and is closed to the next dives where none does. Again until
 * every replica is placed, the relaxation places nothing more, or `maxDives`. The groups'
 * `placed` and the hubs carry the result; returns the relaxation's replicas placed (a bound on
 * any integral placement), or null, with nothing booked, if HiGHS could not solve it.
 */
function roundRelaxation(hubs: HubState[], groups: readonly Group[], simplex: Simplex): number | null {
  const left = groups.map((g) => g.replicas);
  const runningLeft = groups.map((g) => g.running);
  const upper = groups.map((g) => g.eligible.map(() => Infinity));
  let bound = 0;
  const book = (g: number, h: number, n: number): void => {
    const group = groups[g];
    const hub = hubs[h];
    if (hub === undefined || group === undefined) return;
    bookOn(hub, group, h, n);
    left[g] = (left[g] ?? 0) - n;
    runningLeft[g] = Math.max(0, (runningLeft[g] ?? 0) - n);
  };
  for (let dive = 0; dive < maxDives && left.some((n) => n > 0); dive++) {
    const relaxed = relaxedPlacement(
      hubs,
      groups.map((g, i) => ({ ...g, upper: upper[i], replicas: left[i] ?? 0, running: runningLeft[i] ?? 0 })),
      simplex,
    );
    if (relaxed === null) {
      if (dive === 0) return null;
      break;
    }
    if (dive === 0) bound = relaxed.placed;
    let whole = 0;
    const fractions: { g: number; k: number; x: number }[] = [];
    groups.forEach((group, g) => {
      group.eligible.forEach((h, k) => {
        const hub = hubs[h];
        const x = relaxed.replicas[g]?.[k] ?? 0;
        if (hub === undefined || x <= fractionEpsilon) return;
        // Within what is really left: the relaxation holds only to HiGHS's tolerance.
        const n = Math.min(Math.floor(x + fractionEpsilon), left[g] ?? 0, replicasThatFit(hub.residual, group.perReplica, left[g] ?? 0));
        if (n > 0) {
          book(g, h, n);
          whole += n;
        } else fractions.push({ g, k, x });
      });
    });
    if (whole > 0) continue;
    if (fractions.length === 0) break;
    fractions.sort((a, b) => b.x - a.x || a.g - b.g || a.k - b.k);
    for (const { g, k } of fractions) {
      const group = groups[g];
      const h = group?.eligible[k] ?? -1;
      const hub = hubs[h];
      if (group === undefined || hub === undefined) continue;
      if ((left[g] ?? 0) > 0 && replicasThatFit(hub.residual, group.perReplica, 1) > 0) book(g, h, 1);
      else {
        const caps = upper[g];
        if (caps !== undefined) caps[k] = 0;
      }
    }
  }
  return bound;
}

/** Relaxations solved while rounding, at most. */
const maxDives = 2;

/** Below this a relaxation's value is zero, and within it of an integer it is that integer. */
const fractionEpsilon = 1e-6;

/** Books `n` replicas of the group on hub `h` (negative `n` takes them off). */
function bookOn(hub: HubState, group: Group, h: number, n: number): void {
  take(hub.residual, group.perReplica, n);
  hub.baseW += n * group.powerPerReplicaW;
  const next = (group.placed.get(h) ?? 0) + n;
  if (next === 0) group.placed.delete(h);
  else group.placed.set(h, next);
}

function unbook(hubs: HubState[], group: Group): void {
  for (const [h, n] of [...group.placed]) {
    const hub = hubs[h];
    if (hub !== undefined) bookOn(hub, group, h, -n);
  }
}

/**
 * Workloads with identical replicas (resources and power) form a class, heaviest class first;
 * within a class, workloads with the same eligible hubs form a group, in the order of those hubs.
 * Per workload this is two map look-ups: keys are built once per distinct shape and hub list.
 */
export function replicaClasses(workloads: readonly FreeWorkload[]): Group[][] {
  const shapeKeys = new Map<Resources, Map<number, string>>();
  const eligibleKeys = new Map<readonly number[], string>();
  const classes = new Map<string, Map<string, Group>>();
  for (const w of workloads) {
    let byPower = shapeKeys.get(w.perReplica);
    if (byPower === undefined) shapeKeys.set(w.perReplica, (byPower = new Map<number, string>()));
    let shape = byPower.get(w.powerPerReplicaW);
    if (shape === undefined) byPower.set(w.powerPerReplicaW, (shape = shapeKey(w)));
    let eligible = eligibleKeys.get(w.eligible);
    if (eligible === undefined) eligibleKeys.set(w.eligible, (eligible = w.eligible.join(',')));
    let groups = classes.get(shape);
    if (groups === undefined) classes.set(shape, (groups = new Map<string, Group>()));
    let group = groups.get(eligible);
    if (group === undefined) {
      group = { eligible: w.eligible, perReplica: w.perReplica, powerPerReplicaW: w.powerPerReplicaW, members: [], replicas: 0, running: 0, staying: new Map(), placed: new Map() };
      groups.set(eligible, group);
    }
    group.members.push(w);
    group.replicas += w.replicas;
    group.running += Math.min(w.replicas, runningNow(w));
    for (const [h, n] of w.staying) group.staying.set(h, (group.staying.get(h) ?? 0) + n);
  }
  const byKey = <T>([a]: [string, T], [b]: [string, T]): number => (a < b ? -1 : a > b ? 1 : 0);
  return [...classes.values()]
    .map((groups) => [...groups.entries()].sort(byKey).map(([, g]) => g))
    .sort((a, b) => compareShapes(a[0], b[0]));
}

function compareShapes(a: Group | undefined, b: Group | undefined): number {
  if (a === undefined || b === undefined) return 0;
  return (
    b.powerPerReplicaW - a.powerPerReplicaW ||
    b.perReplica.gpu - a.perReplica.gpu ||
    b.perReplica.cpuMilli - a.perReplica.cpuMilli ||
    b.perReplica.memoryBytes - a.perReplica.memoryBytes
  );
}

/** Workloads of one shape and one set of eligible hubs: interchangeable for the optimiser. */
interface Group extends PlacedGroup {
  eligible: number[];
  members: FreeWorkload[];
  /** replicas of members that run in each hub now (stay candidates) */
  staying: Map<number, number>;
}

/**
 * One class: nodes source, sink, groups, hubs. Arc costs are integers, lexicographic in
 * (carbon in grams rounded to `unit`, replicas that leave their current hub): the second tier
 * only breaks exact carbon ties, in favour of staying put. Sets the groups' `placed` and books it.
 */
function solveClass(hubs: HubState[], groups: readonly Group[]): void {
  const first = groups[0];
  if (first === undefined) return;
  const total = groups.reduce((sum, g) => sum + g.replicas, 0);
  const capacity = hubs.map((h) => replicasThatFit(h.residual, first.perReplica, total));
  const segments = hubs.map((h, i) => marginalSegments(h.curve, h.baseW, first.powerPerReplicaW, capacity[i] ?? 0));

  const nodeCount = 2 + groups.length + hubs.length;
  // Any cycle holds fewer than nodeCount arcs, so its move count never outweighs one carbon unit,
  // and its carbon never outweighs keeping a running replica placed.
  const tieScale = nodeCount + 1;
  const maxGrams = Math.max(0, ...segments.flat().map((s) => s.gramsPerReplica));
  let unit = 1e-3;
  while ((maxGrams / unit + 1) * tieScale * nodeCount * nodeCount * 4 > safeLimit) unit *= 10;
  const newcomerCost = (Math.round(maxGrams / unit) + 1) * tieScale * nodeCount;

  const net = createNetwork(nodeCount);
  const source = 0;
  const sink = 1;
  const groupNode = (g: number): number => 2 + g;
  const hubNode = (h: number): number => 2 + groups.length + h;
  const arcs: { stay: number; move: number; hub: number }[][] = [];
  groups.forEach((group, g) => {
    // Replicas already running get room before new ones: a newcomer never evicts them.
    addArc(net, source, groupNode(g), group.running, 0);
    addArc(net, source, groupNode(g), group.replicas - group.running, newcomerCost);
    arcs.push(
      group.eligible
        .filter((h) => (capacity[h] ?? 0) > 0)
        .map((h) => ({
          hub: h,
          stay: addArc(net, groupNode(g), hubNode(h), group.staying.get(h) ?? 0, 0),
          move: addArc(net, groupNode(g), hubNode(h), group.replicas, 1),
        })),
    );
  });
  segments.forEach((runs, h) => {
    for (const run of runs) addArc(net, hubNode(h), sink, run.replicas, Math.round(run.gramsPerReplica / unit) * tieScale);
  });
  minCostFlow(net, source, sink, total);

  groups.forEach((group, g) => {
    for (const a of arcs[g] ?? []) {
      const flow = flowOn(net, a.stay) + flowOn(net, a.move);
      const hub = hubs[a.hub];
      if (flow > 0 && hub !== undefined) bookOn(hub, group, a.hub, flow);
    }
  });
}

/**
 * Hands a group's replicas per hub to its members. Members are interchangeable, so any split is
 * as good for carbon; this one keeps replicas where they run now, then fills the fullest hub
 * first so few workloads are split. Members come in key order.
 */
export function splitAmongMembers(
  members: readonly FreeWorkload[],
  perHub: ReadonlyMap<number, number>,
  hubCount: number,
  allocation: Allocation,
): void {
  const left = new Array<number>(hubCount).fill(0);
  const hubs = [...perHub.keys()].sort((a, b) => a - b);
  for (const [h, n] of perHub) left[h] = n;
  const missing = new Array<number>(members.length).fill(0);
  members.forEach((w, i) => {
    const byHub = new Array<number>(hubCount).fill(0);
    allocation.set(w.key, byHub);
    missing[i] = w.replicas;
    for (const [h, n] of w.staying) {
      const keep = Math.min(n, missing[i] ?? 0, left[h] ?? 0);
      byHub[h] = keep;
      left[h] = (left[h] ?? 0) - keep;
      missing[i] = (missing[i] ?? 0) - keep;
    }
  });
  // Workloads already running first, so newcomers never take the place of a running one.
  const runs = members.map((w) => runningNow(w) > 0);
  const order = members.map((_, i) => i).sort((a, b) => Number(runs[b] ?? false) - Number(runs[a] ?? false) || a - b);
  for (const i of order) {
    const w = members[i];
    if (w === undefined) continue;
    const byHub = allocation.get(w.key);
    let need = missing[i] ?? 0;
    while (need > 0 && byHub !== undefined) {
      const h = w.stayHub !== null && (left[w.stayHub] ?? 0) > 0 ? w.stayHub : fullest(left, hubs);
      if (h === null) break;
      const n = Math.min(need, left[h] ?? 0);
      byHub[h] = (byHub[h] ?? 0) + n;
      left[h] = (left[h] ?? 0) - n;
      need -= n;
    }
  }
}

function fullest(left: readonly number[], hubs: readonly number[]): number | null {
  let best: number | null = null;
  let bestLeft = 0;
  for (const h of hubs) {
    const n = left[h] ?? 0;
    if (n > bestLeft) {
      best = h;
      bestLeft = n;
    }
  }
  return best;
}

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

/** Largest integer the flow's arithmetic may reach with room to spare. */
const safeLimit = 2 ** 50;

export const optimalAllocator: Allocator = (hubs, workloads) => {
  const allocation: Allocation = new Map();
  const state = hubs.map((h) => ({ ...h, residual: { ...h.residual } }));
  const classes = replicaClasses(workloads);
  // One class: the flow is the exact optimum.
  if (classes.length <= 1) {
    for (const members of classes) allocateClass(state, members, allocation);
    return allocation;
  }
  // Several: all classes at once in the LP relaxation, rounded by diving, then each class
  // re-solved exactly against the others' load until nothing improves (block coordinate descent
  // from the joint answer), then room made across shapes. Two vertices of the relaxation are
  // rounded that way, and the better result is kept.
  let best: { state: HubState[]; allocation: Allocation; score: Score } | null = null;
  for (const simplex of ['primal', 'dual'] as const) {
    const trial = { state: state.map((h) => ({ ...h, residual: { ...h.residual } })), allocation: new Map() as Allocation };
    if (!roundRelaxation(trial.state, classes, trial.allocation, simplex)) continue;
    descend(trial.state, classes, workloads, trial.allocation);
    const groups = classes.flatMap((members) => groupByEligibleHubs(members));
    const placed = groups.map((g) => placedGroup(g, trial.allocation));
    if (makeRoom(trial.state, placed)) {
      groups.forEach((g, i) => { splitAmongMembers(g.members, placed[i]?.placed ?? new Map(), hubs.length, trial.allocation); });
      descend(trial.state, classes, workloads, trial.allocation);
    }
    const score = scoreOf(trial.state, workloads, trial.allocation);
    if (best === null || better(score, best.score)) best = { ...trial, score };
  }
  if (best !== null) return best.allocation;
  // HiGHS failed on both: the classes one after another, heavier replicas first (they have
  // fewer ways to fit), then the same descent.
  for (const members of classes) allocateClass(state, members, allocation);
  descend(state, classes, workloads, allocation);
  return allocation;
};

/** Re-solves each class exactly with the others fixed, until a pass improves nothing. */
function descend(state: HubState[], classes: readonly FreeWorkload[][], workloads: readonly FreeWorkload[], allocation: Allocation): void {
  let score = scoreOf(state, workloads, allocation);
  for (let pass = 0; pass < maxImprovementPasses; pass++) {
    for (const members of [...classes].reverse()) {
      release(state, members, allocation);
      allocateClass(state, members, allocation);
    }
    const next = scoreOf(state, workloads, allocation);
    if (!better(next, score)) break;
    score = next;
  }
}

function placedGroup(g: Group, allocation: Allocation): PlacedGroup {
  const placed = new Map<number, number>();
  for (const w of g.members) {
    const byHub = allocation.get(w.key);
    if (byHub === undefined) continue;
    for (const h of g.eligible) if ((byHub[h] ?? 0) > 0) placed.set(h, (placed.get(h) ?? 0) + (byHub[h] ?? 0));
  }
  const first = g.members[0];
  return { eligible: g.eligible, replicas: g.replicas, running: g.running, perReplica: first?.perReplica ?? noResources, powerPerReplicaW: first?.powerPerReplicaW ?? 0, placed };
}

/** Passes over the classes after the rounding; each pass re-solves every class with the others fixed. */
const maxImprovementPasses = 4;

interface Score {
  placed: number;
  running: number;
  grams: number;
}

function scoreOf(hubs: readonly HubState[], workloads: readonly FreeWorkload[], allocation: Allocation): Score {
  let placed = 0;
  let running = 0;
  for (const w of workloads) {
    const n = (allocation.get(w.key) ?? []).reduce((a, b) => a + b, 0);
    placed += n;
    running += Math.min(n, runningNow(w));
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
 * every replica is placed, the relaxation places nothing more, or `maxDives`. False (nothing
 * booked) if HiGHS could not solve it.
 */
function roundRelaxation(hubs: HubState[], classes: readonly FreeWorkload[][], allocation: Allocation, simplex: Simplex): boolean {
  const groups = classes.flatMap((members) => groupByEligibleHubs(members));
  const booked = groups.map(() => new Map<number, number>());
  const left = groups.map((g) => g.replicas);
  const runningLeft = groups.map((g) => g.running);
  const upper = groups.map((g) => g.eligible.map(() => Infinity));
  const book = (g: number, h: number, n: number): void => {
    const group = groups[g];
    const hub = hubs[h];
    const first = group?.members[0];
    const perHub = booked[g];
    if (hub === undefined || first === undefined || perHub === undefined) return;
    perHub.set(h, (perHub.get(h) ?? 0) + n);
    take(hub.residual, first.perReplica, n);
    hub.baseW += n * first.powerPerReplicaW;
    left[g] = (left[g] ?? 0) - n;
    runningLeft[g] = Math.max(0, (runningLeft[g] ?? 0) - n);
  };
  for (let dive = 0; dive < maxDives && left.some((n) => n > 0); dive++) {
    const relaxed = relaxedPlacement(
      hubs,
      groups.map((g, i) => {
        const first = g.members[0];
        const shape = { perReplica: first?.perReplica ?? noResources, powerPerReplicaW: first?.powerPerReplicaW ?? 0 };
        return { eligible: g.eligible, upper: upper[i], replicas: left[i] ?? 0, running: runningLeft[i] ?? 0, ...shape };
      }),
      simplex,
    );
    if (relaxed === null) {
      if (dive === 0) return false;
      break;
    }
    let whole = 0;
    const fractions: { g: number; k: number; x: number }[] = [];
    groups.forEach((group, g) => {
      const first = group.members[0];
      if (first === undefined) return;
      group.eligible.forEach((h, k) => {
        const hub = hubs[h];
        const x = relaxed[g]?.[k] ?? 0;
        if (hub === undefined || x <= fractionEpsilon) return;
        // Within what is really left: the relaxation holds only to HiGHS's tolerance.
        const n = Math.min(Math.floor(x + fractionEpsilon), left[g] ?? 0, replicasThatFit(hub.residual, first.perReplica, left[g] ?? 0));
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
      const first = group?.members[0];
      const hub = hubs[h];
      if (first === undefined || hub === undefined) continue;
      if ((left[g] ?? 0) > 0 && replicasThatFit(hub.residual, first.perReplica, 1) > 0) book(g, h, 1);
      else {
        const caps = upper[g];
        if (caps !== undefined) caps[k] = 0;
      }
    }
  }
  // Booked already: hand the replicas out without booking them again.
  groups.forEach((group, g) => { splitAmongMembers(group.members, booked[g] ?? new Map(), hubs.length, allocation); });
  return true;
}

/** Relaxations solved while rounding, at most. */
const maxDives = 2;

/** Below this a relaxation's value is zero, and within it of an integer it is that integer. */
const fractionEpsilon = 1e-6;

const noResources = { gpu: 0, cpuMilli: 0, memoryBytes: 0 };

/** Adds (`sign` 1) or removes (`sign` −1) the members' allocated replicas from the hubs' load. */
function book(hubs: HubState[], members: readonly FreeWorkload[], allocation: Allocation, sign: 1 | -1): void {
  for (const w of members) {
    const byHub = allocation.get(w.key);
    if (byHub === undefined) continue;
    for (const h of w.eligible) {
      const replicas = byHub[h] ?? 0;
      const hub = hubs[h];
      if (hub === undefined || replicas === 0) continue;
      take(hub.residual, w.perReplica, sign * replicas);
      hub.baseW += sign * replicas * w.powerPerReplicaW;
    }
  }
}

function release(hubs: HubState[], members: readonly FreeWorkload[], allocation: Allocation): void {
  book(hubs, members, allocation, -1);
  for (const w of members) allocation.delete(w.key);
}

/** Workloads with identical replicas (resources and power), heaviest class first. */
export function replicaClasses(workloads: readonly FreeWorkload[]): FreeWorkload[][] {
  const classes = new Map<string, FreeWorkload[]>();
  for (const w of workloads) {
    const key = shapeKey(w);
    const members = classes.get(key);
    if (members === undefined) classes.set(key, [w]);
    else members.push(w);
  }
  return [...classes.values()].sort((a, b) => compareShapes(a[0], b[0]));
}

function compareShapes(a: FreeWorkload | undefined, b: FreeWorkload | undefined): number {
  if (a === undefined || b === undefined) return 0;
  return (
    b.powerPerReplicaW - a.powerPerReplicaW ||
    b.perReplica.gpu - a.perReplica.gpu ||
    b.perReplica.cpuMilli - a.perReplica.cpuMilli ||
    b.perReplica.memoryBytes - a.perReplica.memoryBytes
  );
}

interface Group {
  eligible: number[];
  members: FreeWorkload[];
  replicas: number;
  /** replicas of members that run now, placed before new ones */
  running: number;
  /** replicas of members that run in each hub now (stay candidates) */
  staying: Map<number, number>;
}

function groupByEligibleHubs(members: readonly FreeWorkload[]): Group[] {
  const groups = new Map<string, Group>();
  for (const w of members) {
    const key = w.eligible.join(',');
    let group = groups.get(key);
    if (group === undefined) {
      group = { eligible: w.eligible, members: [], replicas: 0, running: 0, staying: new Map() };
      groups.set(key, group);
    }
    group.members.push(w);
    group.replicas += w.replicas;
    group.running += Math.min(w.replicas, runningNow(w));
    for (const [h, n] of w.staying) group.staying.set(h, (group.staying.get(h) ?? 0) + n);
  }
  return [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, g]) => g);
}

/**
 * One class: nodes source, sink, groups, hubs. Arc costs are integers, lexicographic in
 * (carbon in grams rounded to `unit`, replicas that leave their current hub): the second tier
 * only breaks exact carbon ties, in favour of staying put.
 */
function allocateClass(hubs: HubState[], members: FreeWorkload[], allocation: Allocation): void {
  const first = members[0];
  if (first === undefined) return;
  const groups = groupByEligibleHubs(members);
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
    const perHub = new Map<number, number>();
    for (const a of arcs[g] ?? []) {
      const flow = flowOn(net, a.stay) + flowOn(net, a.move);
      if (flow > 0) perHub.set(a.hub, flow);
    }
    splitAmongMembers(group.members, perHub, hubs.length, allocation);
  });
  book(hubs, members, allocation, 1);
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

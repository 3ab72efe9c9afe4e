// More replicas placed across shapes: for a group with replicas left over, room at one of its
// hubs is made by moving other groups' replicas to other hubs of theirs that have room, or by
// leaving out a new replica of a larger shape so that more of the smaller one fit. Pure capacity
// arithmetic on the aggregated placement; the carbon is the optimiser's business afterwards.
import type { HubState } from './allocation.ts';
import { replicasThatFit, take } from './allocation.ts';
import type { Resources } from './types.ts';

export interface PlacedGroup {
  eligible: readonly number[];
  replicas: number;
  /** replicas that run now: never left out to make room */
  running: number;
  perReplica: Resources;
  powerPerReplicaW: number;
  /** replicas placed per hub index */
  placed: Map<number, number>;
}

/** Rounds over the groups; each looks once at every group with replicas left. */
const maxRounds = 4;

/** Adds replicas where room can be made; true if any were added. Mutates the groups and hubs. */
export function makeRoom(hubs: HubState[], groups: PlacedGroup[]): boolean {
  let changed = false;
  for (let round = 0; round < maxRounds; round++) {
    let gained = 0;
    for (const g of groups) {
      for (const h of g.eligible) {
        if (missing(g) === 0) break;
        gained += byMoving(hubs, groups, g, h) || byLeavingOut(hubs, groups, g, h);
      }
    }
    if (gained === 0) break;
    changed = true;
  }
  return changed;
}

function missing(g: PlacedGroup): number {
  let n = 0;
  for (const k of g.placed.values()) n += k;
  return g.replicas - n;
}

function book(hub: HubState, g: PlacedGroup, h: number, n: number): void {
  take(hub.residual, g.perReplica, n);
  hub.baseW += n * g.powerPerReplicaW;
  const next = (g.placed.get(h) ?? 0) + n;
  if (next === 0) g.placed.delete(h);
  else g.placed.set(h, next);
}

/** Places what fits of `g` at `h` now; the replicas placed. */
function fill(hubs: HubState[], g: PlacedGroup, h: number): number {
  const hub = hubs[h];
  if (hub === undefined) return 0;
  const n = replicasThatFit(hub.residual, g.perReplica, missing(g));
  if (n > 0) book(hub, g, h, n);
  return n;
}

/**
 * Moves replicas of other groups off `h`, each to another of its hubs where it fits, or where
 * room is made for it the same way one level down (a chain of `chainDepth` moves at most), until
 * a replica of `g` fits at `h`; undone if it never does. Returns the replicas of `g` placed.
 */
function byMoving(hubs: HubState[], groups: PlacedGroup[], g: PlacedGroup, h: number): number {
  const log: Move[] = [];
  const budget = { steps: maxSteps };
  if (roomFor(hubs, groups, g, h, chainDepth, new Set(), log, budget)) return fill(hubs, g, h);
  undo(hubs, log, 0);
  return 0;
}

/** Moves one level of a chain may be made of, and tries per call, at most. */
const chainDepth = 2;
const maxSteps = 2000;

interface Move {
  r: PlacedGroup;
  from: number;
  to: number;
}

function roomFor(hubs: HubState[], groups: PlacedGroup[], g: PlacedGroup, h: number, depth: number, visited: Set<number>, log: Move[], budget: { steps: number }): boolean {
  const hub = hubs[h];
  if (hub === undefined) return false;
  if (hasRoom(hub, g)) return true;
  if (depth === 0) return false;
  visited.add(h);
  const residents = groups.filter((r) => r !== g && (r.placed.get(h) ?? 0) > 0).sort((a, b) => freed(b, g) - freed(a, g));
  for (const r of residents) {
    while ((r.placed.get(h) ?? 0) > 0 && !hasRoom(hub, g) && budget.steps-- > 0) {
      let moved = false;
      for (const o of r.eligible) {
        const target = hubs[o];
        if (o === h || visited.has(o) || target === undefined) continue;
        const mark = log.length;
        if (roomFor(hubs, groups, r, o, depth - 1, visited, log, budget)) {
          book(hub, r, h, -1);
          book(target, r, o, 1);
          log.push({ r, from: h, to: o });
          moved = true;
          break;
        }
        undo(hubs, log, mark);
      }
      if (!moved) break;
    }
    if (hasRoom(hub, g)) break;
  }
  visited.delete(h);
  return hasRoom(hub, g);
}

/** Takes back the moves logged after `mark`, latest first. */
function undo(hubs: HubState[], log: Move[], mark: number): void {
  while (log.length > mark) {
    const m = log.pop();
    if (m === undefined) return;
    const from = hubs[m.from];
    const to = hubs[m.to];
    if (from === undefined || to === undefined) continue;
    book(to, m.r, m.to, -1);
    book(from, m.r, m.from, 1);
  }
}

/**
 * Leaves out new replicas of other groups at `h` (never running ones) when more of `g` then
 * fit than were left out. Returns the net replicas gained.
 */
function byLeavingOut(hubs: HubState[], groups: PlacedGroup[], g: PlacedGroup, h: number): number {
  const hub = hubs[h];
  if (hub === undefined || missing(g) === 0) return 0;
  for (const r of groups) {
    if (r === g || (r.placed.get(h) ?? 0) === 0 || placedOf(r) <= r.running) continue;
    const room = { ...hub.residual };
    take(room, r.perReplica, -1);
    const fits = replicasThatFit(room, g.perReplica, missing(g));
    if (fits < 2) continue;
    book(hub, r, h, -1);
    return fill(hubs, g, h) - 1;
  }
  return 0;
}

function hasRoom(hub: HubState | undefined, g: PlacedGroup): boolean {
  return hub !== undefined && replicasThatFit(hub.residual, g.perReplica, 1) > 0;
}

function placedOf(g: PlacedGroup): number {
  let n = 0;
  for (const k of g.placed.values()) n += k;
  return n;
}

/** How many of `g`'s replicas one replica of `r` frees room for, in `g`'s scarcest resource. */
function freed(r: PlacedGroup, g: PlacedGroup): number {
  let share = Infinity;
  for (const dim of ['gpu', 'cpuMilli', 'memoryBytes'] as const) {
    if (g.perReplica[dim] > 0) share = Math.min(share, r.perReplica[dim] / g.perReplica[dim]);
  }
  return share === Infinity ? 0 : share;
}

// Which running workloads should leave a hub so that a workload with nowhere else to go fits
// there, within the move budget that is left. Pure capacity arithmetic; the planner then re-solves with those workloads set free and
// keeps the result only if it places more (see docs/planner.md, "Giving way").
import { replicasThatFit, take } from './allocation.ts';
import type { Resources } from './types.ts';

/** A workload with replicas the plan could not place. */
export interface Needy {
  key: string;
  missing: number;
  perReplica: Resources;
  /** hub indices it may use, in the order it prefers them */
  eligible: readonly number[];
}

/** A running workload that could leave `hub` for another of its eligible hubs. */
export interface Resident {
  key: string;
  hub: number;
  /** replicas it has at `hub` */
  replicas: number;
  perReplica: Resources;
  /** its other eligible hubs, in the order it prefers them */
  others: readonly number[];
}

export interface Displacement {
  needy: string;
  hub: number;
  /** residents to move off `hub`, as few as the greedy choice finds (no one of them is superfluous) */
  residents: string[];
  /** replicas of the needy workload this makes room for at `hub` */
  gain: number;
}

/**
 * For each needy workload in turn (the order given), the hub among its eligible ones where moving
 * the fewest residents away makes room for most of its missing replicas, each resident with room
 * for all its replicas at one of its other hubs and budget for the move at both ends. Room freed, room taken at the residents' new
 * hubs and the replicas placed are booked before the next needy workload is considered, so two
 * never count on the same room. Residents are taken greedily: the one that alone makes enough
 * room with the fewest replicas, else the one that makes most room; then any that turned out
 * superfluous are dropped again.
 */
export function chooseDisplacements(
  free: readonly Resources[],
  needy: readonly Needy[],
  residentsAt: readonly (readonly Resident[])[],
  budget: MovesLeft,
): Displacement[] {
  const residual = free.map((r) => ({ ...r }));
  const left: MovesLeft = { total: budget.total, perHub: [...budget.perHub] };
  const gone = new Set<string>();
  const out: Displacement[] = [];
  for (const n of needy) {
    let best: { hub: number; chosen: Booked[]; gain: number } | null = null;
    for (const h of n.eligible) {
      const room = residual[h];
      if (room === undefined) continue;
      const option = makeRoom(residual, left, h, n, (residentsAt[h] ?? []).filter((r) => !gone.has(r.key)));
      if (option === null) continue;
      if (best === null || option.gain > best.gain || (option.gain === best.gain && option.chosen.length < best.chosen.length)) best = { hub: h, ...option };
    }
    if (best === null) continue;
    for (const b of best.chosen) {
      gone.add(b.resident.key);
      spend(left, best.hub, b.to);
      const from = residual[best.hub];
      const to = residual[b.to];
      if (from !== undefined) take(from, b.resident.perReplica, -b.resident.replicas);
      if (to !== undefined) take(to, b.resident.perReplica, b.resident.replicas);
    }
    const at = residual[best.hub];
    if (at !== undefined) take(at, n.perReplica, best.gain);
    out.push({ needy: n.key, hub: best.hub, residents: best.chosen.map((b) => b.resident.key), gain: best.gain });
  }
  return out;
}

/** Moves the budget still allows, in total and per hub index (into or out of it). */
export interface MovesLeft {
  total: number;
  perHub: number[];
}

function spend(left: MovesLeft, from: number, to: number): void {
  left.total--;
  left.perHub[from] = (left.perHub[from] ?? 0) - 1;
  left.perHub[to] = (left.perHub[to] ?? 0) - 1;
}

interface Booked {
  resident: Resident;
  /** the other hub with room for it (a witness; the optimiser decides where it really goes) */
  to: number;
}

function makeRoom(residual: readonly Resources[], budget: MovesLeft, h: number, n: Needy, candidates: readonly Resident[]): { chosen: Booked[]; gain: number } | null {
  const start = residual[h];
  if (start === undefined) return null;
  const moves: MovesLeft = { total: budget.total, perHub: [...budget.perHub] };
  const fitsNow = replicasThatFit(start, n.perReplica, n.missing);
  // Room is there already: the optimiser's packing, not a hold, keeps it out; moving others won't help.
  if (fitsNow > 0 || candidates.length === 0) return null;
  const room = { ...start };
  // room taken at other hubs by the residents booked so far
  const elsewhere = new Map<number, Resources>();
  const roomAt = (hub: number): Resources | undefined => elsewhere.get(hub) ?? residual[hub];
  const destination = (r: Resident): number | null => {
    if (moves.total <= 0 || (moves.perHub[h] ?? 0) <= 0) return null;
    for (const to of r.others) {
      if ((moves.perHub[to] ?? 0) <= 0) continue;
      const left = roomAt(to);
      if (to !== h && left !== undefined && replicasThatFit(left, r.perReplica, r.replicas) >= r.replicas) return to;
    }
    return null;
  };
  const fitWith = (r: Resident): number => {
    const after = { ...room };
    take(after, r.perReplica, -r.replicas);
    return replicasThatFit(after, n.perReplica, n.missing);
  };
  const chosen: Booked[] = [];
  const left = [...candidates];
  while (replicasThatFit(room, n.perReplica, n.missing) < n.missing) {
    const options = left.flatMap((r) => {
      const to = destination(r);
      return to === null ? [] : [{ r, to, fit: fitWith(r), share: freedShare(r, n.perReplica) }];
    });
    if (options.length === 0) break;
    const enough = options.filter((o) => o.fit >= n.missing).sort((a, b) => a.r.replicas - b.r.replicas || a.share - b.share);
    const pick = enough[0] ?? [...options].sort((a, b) => b.fit - a.fit || b.share - a.share || a.r.replicas - b.r.replicas)[0];
    if (pick === undefined) break;
    chosen.push({ resident: pick.r, to: pick.to });
    spend(moves, h, pick.to);
    left.splice(left.indexOf(pick.r), 1);
    take(room, pick.r.perReplica, -pick.r.replicas);
    const dest = roomAt(pick.to);
    if (dest !== undefined) {
      const booked = { ...dest };
      take(booked, pick.r.perReplica, pick.r.replicas);
      elsewhere.set(pick.to, booked);
    }
  }
  const gain = replicasThatFit(room, n.perReplica, n.missing);
  if (gain === 0) return null;
  // Drop residents the rest make enough room without, latest first (the big early picks stay).
  for (let i = chosen.length - 1; i >= 0; i--) {
    const b = chosen[i];
    if (b === undefined) continue;
    const without = { ...room };
    take(without, b.resident.perReplica, b.resident.replicas);
    if (replicasThatFit(without, n.perReplica, n.missing) >= gain) {
      chosen.splice(i, 1);
      take(room, b.resident.perReplica, b.resident.replicas);
    }
  }
  return { chosen, gain };
}

/** How much of the needy replica's scarcest resource the resident frees, in replicas' worth. */
function freedShare(r: Resident, need: Resources): number {
  const ratios: number[] = [];
  if (need.gpu > 0) ratios.push((r.perReplica.gpu * r.replicas) / need.gpu);
  if (need.cpuMilli > 0) ratios.push((r.perReplica.cpuMilli * r.replicas) / need.cpuMilli);
  if (need.memoryBytes > 0) ratios.push((r.perReplica.memoryBytes * r.replicas) / need.memoryBytes);
  return ratios.length === 0 ? 0 : Math.min(...ratios);
}

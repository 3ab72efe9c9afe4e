// An allocation: replicas per workload (rows, scenario order) per hub (columns, scenario order).
// Whole numbers for every policy but the LP oracle, whose fractional replicas make it a bound.
import type { Resources } from '../placement/types.ts';
import { copiesThatFit, scaleResources, subtractResources } from '../model/resources.ts';
import type { Scenario } from './scenario.ts';

export type Allocation = number[][];

export function emptyAllocation(scenario: Scenario): Allocation {
  return scenario.workloads.map(() => new Array<number>(scenario.hubs.length).fill(0));
}

export function hubIndexByName(scenario: Scenario): Map<string, number> {
  return new Map(scenario.hubs.map((hub, index) => [hub.name, index]));
}

/** Eligible hub indices of each workload, nearest first. */
export function eligibleIndices(scenario: Scenario): number[][] {
  const index = hubIndexByName(scenario);
  return scenario.workloads.map((w) => w.routes.map((r) => index.get(r.hub)).filter((i): i is number => i !== undefined));
}

/**
 * Places a workload's replicas in the given hub order, as many as fit at each, taking the
 * capacity from `free` (mutated). Returns the replicas that found no room.
 */
export function fillInOrder(row: number[], replicas: number, perReplica: Resources, order: readonly number[], free: Resources[]): number {
  let left = replicas;
  for (const h of order) {
    if (left <= 0) break;
    const room = free[h];
    if (room === undefined) continue;
    const placed = Math.min(left, copiesThatFit(perReplica, room));
    if (placed <= 0) continue;
    row[h] = (row[h] ?? 0) + placed;
    free[h] = subtractResources(room, scaleResources(perReplica, placed));
    left -= placed;
  }
  return left;
}

/** The hub with most replicas of a row, ties to the earlier in `order`; null if none placed. */
export function primaryHub(row: readonly number[], order: readonly number[]): number | null {
  let best: number | null = null;
  let bestReplicas = 1e-9;
  for (const h of order) {
    const r = row[h] ?? 0;
    if (r > bestReplicas + 1e-9) {
      best = h;
      bestReplicas = r;
    }
  }
  for (let h = 0; h < row.length; h++) if (best === null && (row[h] ?? 0) > 1e-9) best = h;
  return best;
}

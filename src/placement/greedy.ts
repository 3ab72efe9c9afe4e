// The baseline to beat: each workload in turn takes the greenest eligible hub (renewable share
// over the horizon) that has room, spilling to the next. Blind to renewable power running out
// and to what later workloads need.
import type { Allocation, Allocator, FreeWorkload, HubState } from './allocation.ts';
import { replicasThatFit, take } from './allocation.ts';
import { planWith } from './plan.ts';
import type { Plan, PlanInput } from './types.ts';

export const greedyAllocator: Allocator = (hubs, workloads) => {
  const residual = hubs.map((h) => ({ ...h.residual }));
  const allocation: Allocation = new Map();
  for (const w of [...workloads].sort(byKey)) {
    const byHub = new Array<number>(hubs.length).fill(0);
    allocation.set(w.key, byHub);
    let missing = w.replicas;
    for (const h of rankHubs(hubs, w.eligible)) {
      const room = residual[h];
      if (missing === 0 || room === undefined) break;
      const n = Math.min(missing, replicasThatFit(room, w.perReplica, missing));
      if (n === 0) continue;
      byHub[h] = n;
      take(room, w.perReplica, n);
      missing -= n;
    }
  }
  return allocation;
};

/** The same rules as `plan` (eligibility, capacity, hysteresis, budget) with greedy choices. */
export function greedyPlan(input: PlanInput): Plan {
  return planWith(input, greedyAllocator);
}

function rankHubs(hubs: readonly HubState[], eligible: readonly number[]): number[] {
  return [...eligible].sort((a, b) => {
    const ha = hubs[a];
    const hb = hubs[b];
    if (ha === undefined || hb === undefined) return 0;
    return hb.horizonShare - ha.horizonShare || (ha.name < hb.name ? -1 : 1);
  });
}

function byKey(a: FreeWorkload, b: FreeWorkload): number {
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

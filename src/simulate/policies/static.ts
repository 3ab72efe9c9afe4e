// Carbon-blind baselines: each places once and keeps the placement for the whole run.
import type { Resources } from '../../placement/types.ts';
import { eligibleIndices, emptyAllocation, fillInOrder, type Allocation } from '../allocation.ts';
import type { Scenario } from '../scenario.ts';
import type { Policy } from './policy.ts';

/** Every workload at its lowest-latency eligible hub, spilling to the next by latency. */
export function nearestPolicy(scenario: Scenario): Policy {
  const allocation = staticFill(scenario, (eligible) => eligible);
  return { name: 'nearest', decide: () => allocation };
}

/**
 * Workloads (by key) dealt out over their eligible hubs in turn: the i-th starts at its
 * (i mod n)-th eligible hub and spills around the ring.
 */
export function roundRobinPolicy(scenario: Scenario): Policy {
  const allocation = staticFill(scenario, (eligible, w) => eligible.map((_, k) => eligible[(w + k) % eligible.length] ?? 0));
  return { name: 'round-robin', decide: () => allocation };
}

function staticFill(scenario: Scenario, order: (eligible: number[], workloadIndex: number) => number[]): Allocation {
  const allocation = emptyAllocation(scenario);
  const free: Resources[] = scenario.hubs.map((hub) => ({ ...hub.free }));
  const eligible = eligibleIndices(scenario);
  scenario.workloads.forEach((workload, w) => {
    const row = allocation[w];
    if (row !== undefined) fillInOrder(row, workload.planner.replicas, workload.planner.perReplica, order(eligible[w] ?? [], w), free);
  });
  return allocation;
}

// Follows the signal of the moment: each replica to the eligible hub with the lowest marginal
// carbon intensity right now (actual values), no forecast, no hysteresis.
import type { Resources } from '../../placement/types.ts';
import { copiesThatFit, subtractResources } from '../../model/resources.ts';
import { eligibleIndices, emptyAllocation } from '../allocation.ts';
import { marginalIntensity } from '../energy.ts';
import type { Scenario } from '../scenario.ts';
import type { Policy } from './policy.ts';

export function greedyCurrentPolicy(scenario: Scenario): Policy {
  const eligible = eligibleIndices(scenario);
  return {
    name: 'greedy-current',
    decide: (context) => {
      const allocation = emptyAllocation(scenario);
      const free: Resources[] = scenario.hubs.map((hub) => ({ ...hub.free }));
      const loadMW = scenario.hubs.map(() => 0);
      scenario.workloads.forEach((workload, w) => {
        const { replicas, perReplica, powerPerReplicaW } = workload.planner;
        const replicaMW = powerPerReplicaW / 1e6;
        const row = allocation[w] ?? [];
        for (let r = 0; r < replicas; r++) {
          let best: number | null = null;
          let bestIntensity = Infinity;
          for (const h of eligible[w] ?? []) {
            const hub = scenario.hubs[h];
            const signal = context.actual[h];
            const room = free[h];
            if (hub === undefined || signal === undefined || room === undefined || copiesThatFit(perReplica, room) < 1) continue;
            const intensity = marginalIntensity(signal, hub, loadMW[h] ?? 0, replicaMW);
            if (intensity < bestIntensity - 1e-9) {
              best = h;
              bestIntensity = intensity;
            }
          }
          if (best === null) break;
          row[best] = (row[best] ?? 0) + 1;
          free[best] = subtractResources(free[best] ?? perReplica, perReplica);
          loadMW[best] = (loadMW[best] ?? 0) + replicaMW;
        }
      });
      return allocation;
    },
  };
}

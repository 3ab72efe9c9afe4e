// The real planner, fed the noisy forecasts and replaying its own moves: the hub each workload
// runs in and when it last moved carry over from step to step, so minDwell, minImprovement and
// the move budget act as they would in the cluster. Rollouts are taken to finish within a step.
import type { Plan, PlanInput, PlannerLimits } from '../../placement/types.ts';
import { toPlannerHub } from '../../model/planner-input.ts';
import { emptyAllocation, hubIndexByName } from '../allocation.ts';
import type { Scenario } from '../scenario.ts';
import type { Policy } from './policy.ts';

export type Planner = (input: PlanInput) => Plan;

export const defaultLimits: PlannerLimits = { maxConcurrentMoves: 5, maxConcurrentMovesPerHub: 3 };

export function westwardPolicy(scenario: Scenario, planner: Planner, limits: PlannerLimits = defaultLimits): Policy {
  const hubIndex = hubIndexByName(scenario);
  const state = scenario.workloads.map(() => ({ currentHub: null as string | null, lastMoveMs: null as number | null }));
  return {
    name: 'westward',
    decide: (context) => {
      const input: PlanInput = {
        nowMs: context.startMs,
        hubs: scenario.hubs.map((hub, h) => toPlannerHub(hub.manifest, hub.capacity, context.forecast(h))),
        workloads: scenario.workloads.map((w, i) => ({ ...w.planner, ...state[i] })),
        limits,
        movesInProgress: [],
      };
      const plan = planner(input);
      const byKey = new Map(plan.workloads.map((p) => [p.key, p]));
      const allocation = emptyAllocation(scenario);
      scenario.workloads.forEach((workload, w) => {
        const decided = byKey.get(workload.planner.key);
        const row = allocation[w];
        const previous = state[w];
        if (decided === undefined || row === undefined || previous === undefined) return;
        for (const [hub, replicas] of Object.entries(decided.replicasByHub)) {
          const h = hubIndex.get(hub);
          if (h !== undefined) row[h] = (row[h] ?? 0) + replicas;
        }
        if (decided.hub !== null && decided.hub !== previous.currentHub) {
          if (previous.currentHub !== null) previous.lastMoveMs = context.startMs;
          previous.currentHub = decided.hub;
        }
      });
      return allocation;
    },
  };
}

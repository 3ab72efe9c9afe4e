// Hubs and FactoryWorkloads as the planner sees them.
import { parseDuration } from '../api/duration.ts';
import type { HubSlot, PlacementMode, PlannerHub, PlannerWorkload } from '../placement/types.ts';
import type { FactoryWorkload, Hub, WorkloadTarget } from './kube.ts';
import type { HubCapacity } from './capacity.ts';
import { workloadDemand } from './demand.ts';
import { eligibleHubs } from './eligibility.ts';

export const placementDefaults = { mode: 'Enforce', minDwell: '30m', minImprovement: 0.1 } as const;

export function workloadKey(fw: FactoryWorkload): string {
  return `${fw.metadata?.namespace ?? 'default'}/${fw.metadata?.name ?? ''}`;
}

export interface WorkloadState {
  currentHub: string | null;
  lastMoveMs: number | null;
}

/**
 * @param target the Deployment or StatefulSet the FactoryWorkload points at; its replicas
 *   (default 1, as the API server defaults them) and pod template give the demand.
 */
export function toPlannerWorkload(
  fw: FactoryWorkload,
  target: WorkloadTarget,
  hubs: readonly Hub[],
  state: WorkloadState = { currentHub: null, lastMoveMs: null },
): PlannerWorkload {
  const placement = fw.spec.placement ?? {};
  const mode: PlacementMode = placement.mode === 'Shadow' ? 'Shadow' : 'Enforce';
  return {
    key: workloadKey(fw),
    replicas: target.spec?.replicas ?? 1,
    perReplica: workloadDemand(target.spec?.template),
    powerPerReplicaW: fw.spec.powerPerReplicaW,
    eligibleHubs: eligibleHubs(fw, hubs),
    currentHub: state.currentHub,
    lastMoveMs: state.lastMoveMs,
    minDwellMs: parseDuration(placement.minDwell ?? placementDefaults.minDwell),
    minImprovement: placement.minImprovement ?? placementDefaults.minImprovement,
    mode,
  };
}

/**
 * @param slots the hub's forecast with the gross renewable output behind the hub in
 *   `renewableMW`; the hub's base load is served first, so the planner gets what is left.
 */
export function toPlannerHub(hub: Hub, capacity: HubCapacity, slots: readonly HubSlot[]): PlannerHub {
  const baseLoadMW = hub.spec.energy.baseLoadMW ?? 0;
  return {
    name: hub.metadata?.name ?? '',
    pue: hub.spec.energy.pue,
    gridCarbonIntensity: hub.spec.energy.gridCarbonIntensity,
    free: capacity.free,
    slots: slots.map((slot) => ({
      ...slot,
      renewableMW: slot.renewableMW === null ? null : Math.max(0, slot.renewableMW - baseLoadMW),
    })),
  };
}

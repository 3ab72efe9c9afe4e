// The simulated world, built from the same manifests the cluster uses: Hubs, Nodes, Pods of
// others, Deployments/StatefulSets and FactoryWorkloads, with the shared model conversions.
import type { PlannerWorkload, Resources } from '../placement/types.ts';
import { hubCapacity, type HubCapacity } from '../model/capacity.ts';
import { eligibleRoutes, type HubRoute } from '../model/eligibility.ts';
import type { FactoryWorkload, Hub, Node, Pod, WorkloadTarget } from '../model/kube.ts';
import { toPlannerWorkload, workloadKey } from '../model/planner-input.ts';
import type { HubEnergy } from './energy.ts';

export interface SimHub extends HubEnergy {
  name: string;
  /** free capacity for the simulated workloads */
  free: Resources;
  nodes: number;
  manifest: Hub;
  capacity: HubCapacity;
}

export interface SimWorkload {
  /** static part of the planner's view; currentHub and lastMoveMs are replayed per step */
  planner: PlannerWorkload;
  /** eligible hubs with round trips, nearest first */
  routes: HubRoute[];
}

export interface Scenario {
  hubs: SimHub[];
  workloads: SimWorkload[];
}

export interface ScenarioObjects {
  hubs: Hub[];
  nodes: Node[];
  pods: Pod[];
  targets: WorkloadTarget[];
  factoryWorkloads: FactoryWorkload[];
}

export class ScenarioError extends Error {
  override name = 'ScenarioError';
}

export function buildScenario(objects: ScenarioObjects): Scenario {
  if (objects.hubs.length === 0) throw new ScenarioError('no Hub in the manifests');
  if (objects.factoryWorkloads.length === 0) throw new ScenarioError('no FactoryWorkload in the manifests');
  const hubs = [...objects.hubs].sort((a, b) => compare(a.metadata?.name ?? '', b.metadata?.name ?? ''));
  const simHubs = hubs.map((hub): SimHub => {
    const capacity = hubCapacity(hub, objects.nodes, objects.pods);
    return {
      name: hub.metadata?.name ?? '',
      pue: hub.spec.energy.pue,
      gridCarbonIntensity: hub.spec.energy.gridCarbonIntensity,
      baseLoadMW: hub.spec.energy.baseLoadMW ?? 0,
      free: capacity.free,
      nodes: capacity.nodes.length,
      manifest: hub,
      capacity,
    };
  });
  const workloads = [...objects.factoryWorkloads]
    .sort((a, b) => compare(workloadKey(a), workloadKey(b)))
    .map((fw): SimWorkload => {
      const namespace = fw.metadata?.namespace ?? 'default';
      const target = objects.targets.find(
        (t) => t.kind === fw.spec.targetRef.kind && t.metadata?.name === fw.spec.targetRef.name && (t.metadata.namespace ?? 'default') === namespace,
      );
      if (target === undefined) {
        throw new ScenarioError(`FactoryWorkload ${workloadKey(fw)}: target ${fw.spec.targetRef.kind} ${namespace}/${fw.spec.targetRef.name} not found in the manifests`);
      }
      // The simulator plays every workload as if enforced: a shadowed one would not move at all.
      const planner = { ...toPlannerWorkload(fw, target, hubs), mode: 'Enforce' as const };
      return { planner, routes: eligibleRoutes(fw, hubs) };
    });
  return { hubs: simHubs, workloads };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

import type { FactoryWorkload, Hub, Node, WorkloadTarget } from '../../../src/model/kube.ts';
import { buildScenario, type Scenario } from '../../../src/simulate/scenario.ts';

export interface HubSpec {
  name: string;
  gpu: number;
  cpu: number;
  pue?: number;
  grid?: number;
  baseLoadMW?: number;
  rtt: Record<string, number>;
}

export interface WorkloadSpec {
  name: string;
  region: string;
  budget: number;
  replicas: number;
  gpu: number;
  cpu: number;
  powerW: number;
  minDwell?: string;
}

export function scenarioOf(hubs: HubSpec[], workloads: WorkloadSpec[]): Scenario {
  const hubObjects: Hub[] = hubs.map((h) => ({
    metadata: { name: h.name },
    spec: {
      nodeSelector: { matchLabels: { 'westward.io/hub': h.name } },
      energy: { pue: h.pue ?? 1.2, gridCarbonIntensity: h.grid ?? 600, baseLoadMW: h.baseLoadMW ?? 0 },
      network: Object.entries(h.rtt).map(([from, rttMs]) => ({ from, rttMs })),
    },
  }));
  const nodes: Node[] = hubs.map((h) => ({
    metadata: { name: `${h.name}-0`, labels: { 'westward.io/hub': h.name } },
    status: { allocatable: { cpu: String(h.cpu), memory: '1Ti', 'nvidia.com/gpu': String(h.gpu) }, conditions: [{ type: 'Ready', status: 'True' }] },
  }));
  const targets: WorkloadTarget[] = workloads.map((w) => ({
    kind: 'Deployment',
    metadata: { name: w.name, namespace: 'ns' },
    spec: { replicas: w.replicas, template: { spec: { containers: [{ resources: { requests: { cpu: String(w.cpu), 'nvidia.com/gpu': String(w.gpu) } } }] } } },
  }));
  const fws: FactoryWorkload[] = workloads.map((w) => ({
    metadata: { name: w.name, namespace: 'ns' },
    spec: {
      targetRef: { kind: 'Deployment', name: w.name },
      factory: { region: w.region },
      latencyBudgetMs: w.budget,
      powerPerReplicaW: w.powerW,
      placement: { minDwell: w.minDwell ?? '30m', minImprovement: 0.1 },
    },
  }));
  return buildScenario({ hubs: hubObjects, nodes, pods: [], targets, factoryWorkloads: fws });
}

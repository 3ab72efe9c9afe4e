import type { FactoryWorkload, Hub, Node, Pod } from '../../../src/model/kube.ts';

export function node(name: string, labels: Record<string, string>, allocatable: Record<string, string>, extra: Partial<{ ready: boolean; unschedulable: boolean; taints: { key: string; effect: string }[] }> = {}): Node {
  return {
    metadata: { name, labels },
    spec: { unschedulable: extra.unschedulable ?? false, taints: extra.taints ?? [] },
    status: { allocatable, conditions: [{ type: 'Ready', status: extra.ready === false ? 'False' : 'True' }] },
  };
}

export function pod(name: string, nodeName: string | undefined, requests: Record<string, string>, phase = 'Running', labels: Record<string, string> = {}): Pod {
  return {
    metadata: { name, namespace: 'ns', labels },
    spec: { ...(nodeName === undefined ? {} : { nodeName }), containers: [{ name: 'c', resources: { requests } }] },
    status: { phase },
  };
}

export function hub(name: string, network: Record<string, number>, labels: Record<string, string> = {}): Hub {
  return {
    metadata: { name, labels },
    spec: {
      nodeSelector: { matchLabels: { 'westward.io/hub': name } },
      energy: { pue: 1.2, gridCarbonIntensity: 500 },
      network: Object.entries(network).map(([from, rttMs]) => ({ from, rttMs })),
    },
  };
}

export function factoryWorkload(name: string, region: string, latencyBudgetMs: number, hubSelector?: FactoryWorkload['spec']['placement']): FactoryWorkload {
  return {
    metadata: { name, namespace: 'plant' },
    spec: {
      targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
      factory: { region },
      latencyBudgetMs,
      powerPerReplicaW: 700,
      ...(hubSelector === undefined ? {} : { placement: hubSelector }),
    },
  };
}

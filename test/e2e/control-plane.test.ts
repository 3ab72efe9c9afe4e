// Proves the local control plane is real: the scheduler honours node affinity, kwok runs the
// pods, and the controller-manager finishes a namespace deletion.
import { AppsV1Api, CoreV1Api, type V1Deployment } from '@kubernetes/client-node';
import { afterAll, describe, expect, it } from 'vitest';
import { createNamespace, eventually, kubeConfig, kubectl } from './support/kube.ts';
import { createReadyNodes, deleteNodes } from './support/nodes.ts';

const suffix = Math.random().toString(16).slice(2, 8);
const nodes = [
  { name: `cp-gansu-a-${suffix}`, labels: { 'topology.kubernetes.io/region': `cn-gansu-${suffix}` } },
  { name: `cp-gansu-b-${suffix}`, labels: { 'topology.kubernetes.io/region': `cn-gansu-${suffix}` } },
  { name: `cp-zhejiang-a-${suffix}`, labels: { 'topology.kubernetes.io/region': `cn-zhejiang-${suffix}` } },
  { name: `cp-zhejiang-b-${suffix}`, labels: { 'topology.kubernetes.io/region': `cn-zhejiang-${suffix}` } },
];

function deployment(namespace: string, region: string): V1Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'weld-qc', namespace },
    spec: {
      replicas: 6,
      selector: { matchLabels: { app: 'weld-qc' } },
      template: {
        metadata: { labels: { app: 'weld-qc' } },
        spec: {
          affinity: {
            nodeAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: {
                nodeSelectorTerms: [
                  {
                    matchExpressions: [
                      { key: 'topology.kubernetes.io/region', operator: 'In', values: [region] },
                    ],
                  },
                ],
              },
            },
          },
          // Only kwok's fake nodes may run these pods.
          nodeSelector: { type: 'kwok' },
          containers: [
            { name: 'model', image: 'registry.invalid/weld-qc:1', resources: { requests: { cpu: '1' } } },
          ],
        },
      },
    },
  };
}

describe('local control plane', () => {
  afterAll(async () => {
    await deleteNodes(nodes.map((n) => n.name));
  });

  it('schedules by node affinity, runs pods on kwok nodes and finishes namespace deletion', async () => {
    const kc = kubeConfig();
    const core = kc.makeApiClient(CoreV1Api);
    const apps = kc.makeApiClient(AppsV1Api);
    await createReadyNodes(nodes);
    const namespace = await createNamespace('control-plane');
    const gansu = `cn-gansu-${suffix}`;
    await apps.createNamespacedDeployment({ namespace, body: deployment(namespace, gansu) });

    const pods = await eventually('6 Ready pods', async () => {
      const list = await core.listNamespacedPod({ namespace, labelSelector: 'app=weld-qc' });
      const ready = list.items.filter((p) =>
        p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
      );
      return ready.length === 6 ? list.items : undefined;
    });
    const regionOf = new Map(nodes.map((n) => [n.name, n.labels['topology.kubernetes.io/region']]));
    for (const pod of pods) {
      expect(pod.spec?.nodeName, `pod ${pod.metadata?.name ?? ''} is bound`).toBeTruthy();
      expect(regionOf.get(pod.spec?.nodeName ?? '')).toBe(gansu);
      expect(pod.status?.phase).toBe('Running');
    }


    // kubectl reaches the same cluster and sees the same nodes.
    const kubectlNodes = await kubectl(['get', 'nodes', '-l', `topology.kubernetes.io/region=${gansu}`, '-o', 'name']);
    expect(kubectlNodes.code).toBe(0);
    expect(kubectlNodes.stdout.trim().split('\n').sort()).toEqual(
      nodes.filter((n) => n.labels['topology.kubernetes.io/region'] === gansu).map((n) => `node/${n.name}`).sort(),
    );

    await core.deleteNamespace({ name: namespace });
    await eventually(
      `namespace ${namespace} gone`,
      async () => {
        try {
          await core.readNamespace({ name: namespace });
          return undefined;
        } catch (error) {
          if ((error as { code?: number }).code === 404) return true;
          throw error;
        }
      },
      { timeoutMs: 120_000 },
    );
  });
});

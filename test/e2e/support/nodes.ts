// kwok-managed Node objects: the real scheduler places pods on them, kwok makes them Running.
import { CoreV1Api, type V1Node } from '@kubernetes/client-node';
import { eventually, kubeConfig } from './kube.ts';

export interface FakeNodeSpec {
  name: string;
  labels: Record<string, string>;
  cpu?: string;
  memory?: string;
  pods?: string;
  gpu?: number;
}

export function fakeNode(spec: FakeNodeSpec): V1Node {
  const allocatable: Record<string, string> = {
    cpu: spec.cpu ?? '32',
    memory: spec.memory ?? '128Gi',
    pods: spec.pods ?? '110',
  };
  if (spec.gpu !== undefined) allocatable['nvidia.com/gpu'] = String(spec.gpu);
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: spec.name,
      annotations: { 'kwok.x-k8s.io/node': 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
      labels: { type: 'kwok', 'kubernetes.io/hostname': spec.name, ...spec.labels },
    },
    status: { allocatable, capacity: allocatable },
  };
}

/** Creates the nodes and waits until kwok reports each Ready. */
export async function createReadyNodes(specs: FakeNodeSpec[]): Promise<void> {
  const core = kubeConfig().makeApiClient(CoreV1Api);
  for (const spec of specs) await core.createNode({ body: fakeNode(spec) });
  for (const spec of specs) {
    await eventually(`node ${spec.name} Ready`, async () => {
      const node = await core.readNode({ name: spec.name });
      const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
      return ready?.status === 'True' ? true : undefined;
    });
  }
}

export async function deleteNodes(names: string[]): Promise<void> {
  const core = kubeConfig().makeApiClient(CoreV1Api);
  await Promise.all(
    names.map((name) => core.deleteNode({ name }).catch(() => undefined)),
  );
}

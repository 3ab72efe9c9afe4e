// A small world for the operator's end-to-end tests: four hubs of kwok nodes, a forecast server
// that sets their signal, and helpers to build targets and FactoryWorkloads and see where pods run.
import { AppsV1Api, CoreV1Api, CustomObjectsApi, type V1Deployment } from '@kubernetes/client-node';
import type { FactoryWorkload, Hub } from '../../../src/api/index.ts';
import { eventually, kubeConfig, kubectlOk } from './kube.ts';
import { startForecastServer, type ForecastServer, type ZoneSignal } from './forecast-server.ts';
import { createReadyNodes, deleteNodes, type FakeNodeSpec } from './nodes.ts';

export const hubLabel = 'westward.io/e2e-hub';

export interface HubPlan {
  name: string;
  rttMs: number;
  signal: ZoneSignal;
  nodes: { cpu: string; gpu: number; labels?: Record<string, string> }[];
}

export interface Scenario {
  suffix: string;
  region: string;
  secretNamespace: string;
  server: ForecastServer;
  hubs: Record<string, string>;
  setSignal: (hub: string, signal: ZoneSignal) => void;
  teardown: () => Promise<void>;
}

const api = { group: 'westward.io', version: 'v1alpha1' };

export async function applyCrds(): Promise<void> {
  await kubectlOk(['apply', '--server-side', '-f', 'crds/westward.io_hubs.yaml', '-f', 'crds/westward.io_factoryworkloads.yaml']);
  await kubectlOk(['wait', '--for', 'condition=Established', 'crd/hubs.westward.io', 'crd/factoryworkloads.westward.io', '--timeout=60s']);
}

/** Creates the hubs (named `<name>-<suffix>`), their nodes, the token Secret and the server. */
/**
 * @param options.secretNamespace an existing namespace for the token Secret (e.g. the operator's
 *   own); by default a namespace of the scenario's own, deleted with it
 */
export async function createScenario(plans: HubPlan[], options: { refreshInterval?: string; maxStaleness?: string; secretNamespace?: string } = {}): Promise<Scenario> {
  const suffix = Math.random().toString(16).slice(2, 8);
  const region = `guangdong-${suffix}`;
  const kc = kubeConfig();
  const core = kc.makeApiClient(CoreV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const server = await startForecastServer();
  const ownNamespace = options.secretNamespace === undefined;
  const secretNamespace = options.secretNamespace ?? `westward-e2e-${suffix}`;
  if (ownNamespace) await core.createNamespace({ body: { metadata: { name: secretNamespace } } });
  await core.createNamespacedSecret({
    namespace: secretNamespace,
    body: { metadata: { name: 'em-token' }, stringData: { token: server.token } },
  });
  const hubs: Record<string, string> = {};
  const nodes: FakeNodeSpec[] = [];
  for (const plan of plans) {
    const hubName = `${plan.name}-${suffix}`;
    hubs[plan.name] = hubName;
    server.set(hubName, plan.signal);
    plan.nodes.forEach((n, i) => nodes.push({ name: `${hubName}-${i}`, labels: { ...n.labels, [hubLabel]: hubName }, cpu: n.cpu, gpu: n.gpu }));
    const hub: Hub = {
      apiVersion: 'westward.io/v1alpha1',
      kind: 'Hub',
      metadata: { name: hubName },
      spec: {
        location: { latitude: 36, longitude: 104 },
        nodeSelector: { matchLabels: { [hubLabel]: hubName } },
        energy: { pue: 1.2, gridCarbonIntensity: 600 },
        forecast: {
          provider: 'ElectricityMaps',
          url: server.url,
          zone: hubName,
          credentialsSecretRef: { namespace: secretNamespace, name: 'em-token', key: 'token' },
          refreshInterval: options.refreshInterval ?? '5s',
          maxStaleness: options.maxStaleness ?? '1h',
        },
        network: [{ from: region, rttMs: plan.rttMs }],
      },
    };
    await custom.createClusterCustomObject({ ...api, plural: 'hubs', body: hub });
  }
  await createReadyNodes(nodes);
  return {
    suffix,
    region,
    secretNamespace,
    server,
    hubs,
    setSignal: (hub, signal) => {
      server.set(hubs[hub] ?? hub, signal);
    },
    teardown: async () => {
      for (const name of Object.values(hubs)) {
        await custom.deleteClusterCustomObject({ ...api, plural: 'hubs', name }).catch(() => undefined);
      }
      await deleteNodes(nodes.map((n) => n.name));
      if (ownNamespace) await core.deleteNamespace({ name: secretNamespace }).catch(() => undefined);
      else await core.deleteNamespacedSecret({ name: 'em-token', namespace: secretNamespace }).catch(() => undefined);
      await server.close();
    },
  };
}

export function targetDeployment(
  namespace: string,
  name: string,
  opts: { replicas: number; gpu?: number; cpu?: string; ownAffinity?: boolean },
): V1Deployment {
  const requests: Record<string, string> = { cpu: opts.cpu ?? '500m', memory: '1Gi' };
  if (opts.gpu) requests['nvidia.com/gpu'] = String(opts.gpu);
  const spec: Record<string, unknown> = {
    nodeSelector: { type: 'kwok' },
    containers: [{ name: 'model', image: 'registry.invalid/inference:1', resources: { requests, limits: opts.gpu ? { 'nvidia.com/gpu': String(opts.gpu) } : {} } }],
  };
  if (opts.ownAffinity) {
    spec.affinity = {
      podAntiAffinity: {
        preferredDuringSchedulingIgnoredDuringExecution: [
          { weight: 50, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { app: name } } } },
        ],
      },
    };
  }
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace },
    spec: {
      replicas: opts.replicas,
      selector: { matchLabels: { app: name } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
      template: { metadata: { labels: { app: name } }, spec: spec as never },
    },
  };
}

export function factoryWorkload(
  namespace: string,
  name: string,
  region: string,
  opts: { target: string; budgetMs?: number; mode?: 'Enforce' | 'Shadow'; minDwell?: string; minImprovement?: number },
): FactoryWorkload {
  return {
    apiVersion: 'westward.io/v1alpha1',
    kind: 'FactoryWorkload',
    metadata: { name, namespace },
    spec: {
      targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: opts.target },
      factory: { region },
      latencyBudgetMs: opts.budgetMs ?? 50,
      powerPerReplicaW: 700,
      placement: {
        mode: opts.mode ?? 'Enforce',
        minDwell: opts.minDwell ?? '30m',
        minImprovement: opts.minImprovement ?? 0.1,
      },
    },
  };
}

export async function createTargetAndWorkload(deployment: V1Deployment, fw: FactoryWorkload): Promise<void> {
  const kc = kubeConfig();
  const ns = deployment.metadata?.namespace ?? '';
  await kc.makeApiClient(AppsV1Api).createNamespacedDeployment({ namespace: ns, body: deployment });
  await kc.makeApiClient(CustomObjectsApi).createNamespacedCustomObject({ ...api, plural: 'factoryworkloads', namespace: ns, body: fw });
}

export async function getWorkload(namespace: string, name: string): Promise<FactoryWorkload> {
  return (await kubeConfig()
    .makeApiClient(CustomObjectsApi)
    .getNamespacedCustomObject({ ...api, plural: 'factoryworkloads', namespace, name })) as FactoryWorkload;
}

export async function getHub(name: string): Promise<Hub> {
  return (await kubeConfig().makeApiClient(CustomObjectsApi).getClusterCustomObject({ ...api, plural: 'hubs', name })) as Hub;
}

export async function deleteWorkload(namespace: string, name: string): Promise<void> {
  await kubeConfig().makeApiClient(CustomObjectsApi).deleteNamespacedCustomObject({ ...api, plural: 'factoryworkloads', namespace, name });
}

/** Ready pods of an app per hub (by their node's hub label); unscheduled pods count as "Pending". */
export async function podsByHub(namespace: string, app: string): Promise<Map<string, number>> {
  const core = kubeConfig().makeApiClient(CoreV1Api);
  const [pods, nodes] = await Promise.all([
    core.listNamespacedPod({ namespace, labelSelector: `app=${app}` }),
    core.listNode({ labelSelector: hubLabel }),
  ]);
  const hubOf = new Map(nodes.items.map((n) => [n.metadata?.name ?? '', n.metadata?.labels?.[hubLabel] ?? '']));
  const counts = new Map<string, number>();
  for (const pod of pods.items) {
    if (pod.metadata?.deletionTimestamp) continue;
    const ready = pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
    const where = pod.spec?.nodeName ? (hubOf.get(pod.spec.nodeName) ?? `node:${pod.spec.nodeName}`) : 'Pending';
    const key = ready || where === 'Pending' ? where : `${where}(not ready)`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

/** Waits until exactly `expected` (hub → Ready pods) is where the app runs. */
export async function waitForPlacement(namespace: string, app: string, expected: Record<string, number>, timeoutMs = 90_000): Promise<void> {
  const want = JSON.stringify(Object.entries(expected).sort());
  let last = '';
  await eventually(
    `pods of ${app} at ${want}`,
    async () => {
      const counts = await podsByHub(namespace, app);
      last = JSON.stringify([...counts.entries()].sort());
      return last === want ? true : undefined;
    },
    { timeoutMs },
  ).catch((error: unknown) => {
    throw new Error(`${(error as Error).message}; last seen ${last}`);
  });
}

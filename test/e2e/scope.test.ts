// Where Westward may act, on the real control plane. Under a namespace scope it runs with exactly
// the RBAC of config/namespaced (Roles in the watched namespace, nothing cluster-wide for targets
// and pods) and still places a workload there; cluster-wide it leaves kube-system alone.
import { AppsV1Api, CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, kubeConfig, kubectl, kubectlOk } from './support/kube.ts';
import { startOperator, type OperatorProcess } from './support/operator.ts';
import { renderedRbac, serviceAccountKubeconfig, shippedIn } from './support/rbac.ts';
import { applyCrds, createScenario, createTargetAndWorkload, factoryWorkload, getWorkload, targetDeployment, waitForPlacement, type Scenario } from './support/scenario.ts';

const plans = [{ name: 'scoped', rttMs: 10, signal: { renewableShare: 0.8, carbonIntensity: 120 }, nodes: [{ cpu: '32', gpu: 0 }] }];
const api = { group: 'westward.io', version: 'v1alpha1' };
const kc = kubeConfig();
const core = kc.makeApiClient(CoreV1Api);
const apps = kc.makeApiClient(AppsV1Api);
const custom = kc.makeApiClient(CustomObjectsApi);

let scenario: Scenario;
let watched = '';
const cleanup: (() => Promise<unknown>)[] = [];

async function nodeAffinityOf(namespace: string, name: string): Promise<unknown> {
  return (await apps.readNamespacedDeployment({ namespace, name })).spec?.template.spec?.affinity?.nodeAffinity;
}

/** Waits until Westward has placed the workload: its status names the hub, and it wrote the affinity. */
async function placedByWestward(namespace: string, name: string, hub: string): Promise<void> {
  await eventually(`${namespace}/${name} placed by Westward in ${hub}`, async () => {
    const placed = (await getWorkload(namespace, name)).status?.hub === hub;
    const managers = (await apps.readNamespacedDeployment({ namespace, name })).metadata?.managedFields?.map((m) => m.manager) ?? [];
    return placed && managers.includes('westward') && (await nodeAffinityOf(namespace, name)) !== undefined ? true : undefined;
  }, { timeoutMs: 90_000 });
}

beforeAll(async () => {
  await applyCrds();
  scenario = await createScenario(plans);
  watched = `scoped-${scenario.suffix}`;
  await core.createNamespace({ body: { metadata: { name: watched } } });
  cleanup.push(() => core.deleteNamespace({ name: watched }));
}, 120_000);

afterAll(async () => {
  for (const step of cleanup.reverse()) await step().catch(() => undefined);
  await scenario.teardown();
}, 120_000);

describe('under a namespace scope, with the RBAC of config/namespaced only', () => {
  let operator: OperatorProcess | undefined;

  beforeAll(async () => {
    if ((await kubectl(['get', 'namespace', 'westward-system'])).code !== 0) await kubectlOk(['create', 'namespace', 'westward-system']);
    await kubectlOk(['apply', '--server-side', '--force-conflicts', '-f', '-'], { input: await renderedRbac('config/namespaced', { factory: watched }) });
    for (const file of ['config/rbac/credentials_role.yaml', 'config/rbac/credentials_role_binding.yaml']) {
      await kubectlOk(['apply', '-f', '-'], { input: shippedIn(file, scenario.secretNamespace) });
    }
    await eventually('the scoped RBAC to take effect', async () => {
      const as = '--as=system:serviceaccount:westward-system:westward';
      const scopedPatch = (await kubectl(['auth', 'can-i', 'patch', 'deployments.apps', '-n', watched, as])).stdout.trim();
      const clusterList = (await kubectl(['auth', 'can-i', 'list', 'deployments.apps', '--all-namespaces', as])).stdout.trim();
      return scopedPatch === 'yes' && clusterList === 'no' ? true : undefined;
    });
    operator = await startOperator({
      kubeconfig: await serviceAccountKubeconfig('westward-system', 'westward'),
      namespaces: [watched],
      credentialsNamespaces: [scenario.secretNamespace],
    });
  }, 120_000);

  afterAll(async () => {
    await operator?.stop();
    // Back to the cluster-wide rules for whatever runs next.
    await kubectlOk(['apply', '--server-side', '--force-conflicts', '-k', 'config/rbac']);
  });

  it('syncs its namespaced watches and places a workload in the watched namespace', async () => {
    await createTargetAndWorkload(targetDeployment(watched, 'inspect', { replicas: 2 }), factoryWorkload(watched, 'inspect', scenario.region, { target: 'inspect' }));
    await placedByWestward(watched, 'inspect', scenario.hubs.scoped ?? '');
    await waitForPlacement(watched, 'inspect', { [scenario.hubs.scoped ?? '']: 2 });
    expect(operator?.logs().filter((l) => /forbidden/i.test(l))).toEqual([]);
  });
});

describe('cluster-wide, kube-system left alone', () => {
  let operator: OperatorProcess | undefined;
  const name = `westward-e2e-${Math.random().toString(16).slice(2, 8)}`;

  beforeAll(async () => {
    // A workload in kube-system that would be placed anywhere else, and one beside it that is.
    await createTargetAndWorkload(targetDeployment('kube-system', name, { replicas: 1 }), factoryWorkload('kube-system', name, scenario.region, { target: name }));
    cleanup.push(() => apps.deleteNamespacedDeployment({ namespace: 'kube-system', name }));
    cleanup.push(() => custom.deleteNamespacedCustomObject({ ...api, plural: 'factoryworkloads', namespace: 'kube-system', name }));
    await createTargetAndWorkload(targetDeployment(watched, 'control', { replicas: 1 }), factoryWorkload(watched, 'control', scenario.region, { target: 'control' }));
    operator = await startOperator({ credentialsNamespaces: [scenario.secretNamespace] });
  }, 120_000);

  afterAll(async () => {
    // Its finalizer comes off as the workload goes only while an operator runs; kube-system's
    // never got one.
    await custom.deleteNamespacedCustomObject({ ...api, plural: 'factoryworkloads', namespace: watched, name: 'control' }).catch(() => undefined);
    await eventually('control workload gone', async () => {
      const left = await custom.listNamespacedCustomObject({ ...api, plural: 'factoryworkloads', namespace: watched }) as { items: unknown[] };
      return left.items.some((i) => (i as { metadata: { name: string } }).metadata.name === 'control') ? undefined : true;
    }).catch(() => undefined);
    await operator?.stop();
  }, 120_000);

  it('places the workload elsewhere and never touches the one in kube-system', async () => {
    // The operator has planned with both workloads in the cluster by now.
    await placedByWestward(watched, 'control', scenario.hubs.scoped ?? '');
    const ignored = await getWorkload('kube-system', name);
    expect(ignored.status).toBeUndefined();
    expect(ignored.metadata?.finalizers ?? []).toEqual([]);
    expect(await nodeAffinityOf('kube-system', name)).toBeUndefined();
    const managers = (await apps.readNamespacedDeployment({ namespace: 'kube-system', name })).metadata?.managedFields?.map((m) => m.manager);
    expect(managers).not.toContain('westward');
  });
});

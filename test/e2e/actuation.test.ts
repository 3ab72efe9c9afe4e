// Placement that holds on the cluster: what Westward writes becomes where Ready pods run, the
// target keeps its own constraints, Westward never fights another field manager, one
// FactoryWorkload per target, crash-safe moves, refused writes and missing data said plainly,
// quiet when idle. Everything is asserted on the real control plane.
import { AdmissionregistrationV1Api, AppsV1Api, CoreV1Api, CustomObjectsApi, EventsV1Api, type V1Deployment } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FactoryWorkload } from '../../src/api/index.ts';
import { eventually, kubeConfig, kubectlOk } from './support/kube.ts';
import { startOperator, type OperatorProcess } from './support/operator.ts';
import {
  applyCrds,
  createScenario,
  createTargetAndWorkload,
  deleteWorkload,
  factoryWorkload,
  getWorkload,
  podsByHub,
  targetDeployment,
  waitForPlacement,
  type HubPlan,
  type Scenario,
} from './support/scenario.ts';

const amd64 = { 'kubernetes.io/arch': 'amd64' };
const arm64 = { 'kubernetes.io/arch': 'arm64' };
// Green is small (two GPUs); arm is the greenest but only arm64 nodes and 45 ms away.
const plans: HubPlan[] = [
  { name: 'green', rttMs: 30, signal: { renewableShare: 0.9, carbonIntensity: 50 }, nodes: [{ cpu: '32', gpu: 1, labels: amd64 }, { cpu: '32', gpu: 1, labels: amd64 }] },
  { name: 'mid', rttMs: 35, signal: { renewableShare: 0.6, carbonIntensity: 250 }, nodes: [{ cpu: '32', gpu: 4, labels: amd64 }, { cpu: '32', gpu: 4, labels: amd64 }] },
  { name: 'dirty', rttMs: 10, signal: { renewableShare: 0.1, carbonIntensity: 600 }, nodes: [{ cpu: '32', gpu: 4, labels: amd64 }, { cpu: '32', gpu: 4, labels: amd64 }] },
  { name: 'arm', rttMs: 45, signal: { renewableShare: 0.97, carbonIntensity: 20 }, nodes: [{ cpu: '32', gpu: 4, labels: arm64 }, { cpu: '32', gpu: 4, labels: arm64 }] },
];
const baseline = Object.fromEntries(plans.map((p) => [p.name, p.signal]));
const testNamespaces = ['compete', 'own', 'unsched', 'gitops', 'twofw', 'refused', 'crash', 'nodata'];

let scenario: Scenario;
let operator: OperatorProcess | undefined;
const kc = kubeConfig();
const core = kc.makeApiClient(CoreV1Api);
const apps = kc.makeApiClient(AppsV1Api);
const custom = kc.makeApiClient(CustomObjectsApi);
const eventsApi = kc.makeApiClient(EventsV1Api);
const ns = (prefix: string): string => `${prefix}-${scenario.suffix}`;
const hubOf = (name: string): string => scenario.hubs[name] ?? name;
const allNamespaces = (): string[] => testNamespaces.map(ns);

function resetSignals(): void {
  for (const [hub, signal] of Object.entries(baseline)) scenario.setSignal(hub, signal);
}

async function run(extra: { env?: Record<string, string> } = {}): Promise<OperatorProcess> {
  return startOperator({ namespaces: allNamespaces(), credentialsNamespaces: [scenario.secretNamespace], ...extra });
}

async function deployment(namespace: string, name: string): Promise<V1Deployment> {
  return apps.readNamespacedDeployment({ namespace, name });
}

async function eventsOf(namespace: string, name: string, reason?: string): Promise<{ reason?: string; note?: string; series?: { count?: number } }[]> {
  const list = await eventsApi.listNamespacedEvent({ namespace, fieldSelector: `regarding.name=${name}` });
  return list.items.filter((e) => e.regarding?.kind === 'FactoryWorkload' && (reason === undefined || e.reason === reason));
}

function condition(fw: FactoryWorkload, type: string): { status?: string; reason?: string; message?: string } | undefined {
  return fw.status?.conditions?.find((c) => c.type === type);
}

async function placedWhere(namespace: string, name: string, status: 'True' | 'False', reason?: string): Promise<FactoryWorkload> {
  return eventually(`${namespace}/${name} Placed=${status}${reason ? ` ${reason}` : ''}`, async () => {
    const fw = await getWorkload(namespace, name);
    const placed = condition(fw, 'Placed');
    return placed?.status === status && (reason === undefined || placed.reason === reason) ? fw : undefined;
  }, { timeoutMs: 120_000 });
}

/** Status replicasByHub equals the Ready pods per hub seen on the cluster, and Placed=True. */
async function statusMatchesCluster(namespace: string, name: string): Promise<FactoryWorkload> {
  let last = '';
  return eventually(`${namespace}/${name} status to match the cluster`, async () => {
    const fw = await getWorkload(namespace, name);
    const seen = Object.fromEntries([...(await podsByHub(namespace, name)).entries()].sort());
    last = `status ${JSON.stringify(fw.status?.replicasByHub)} planned ${JSON.stringify(fw.status?.plannedReplicasByHub)} cluster ${JSON.stringify(seen)} ${condition(fw, 'Placed')?.message ?? ''}`;
    const sorted = Object.fromEntries(Object.entries(fw.status?.replicasByHub ?? {}).sort());
    return JSON.stringify(sorted) === JSON.stringify(seen) && condition(fw, 'Placed')?.status === 'True' ? fw : undefined;
  }, { timeoutMs: 150_000 }).catch((e: unknown) => {
    throw new Error(`${(e as Error).message}; last: ${last}`);
  });
}

/** Waits until `name`'s generation has stayed the same for `ms`; returns it. */
async function steadyGeneration(namespace: string, name: string, ms: number): Promise<number> {
  let generation = -1;
  let since = Date.now();
  return eventually(`${namespace}/${name} generation steady for ${String(ms)} ms`, async () => {
    const g = (await deployment(namespace, name)).metadata?.generation ?? 0;
    if (g !== generation) {
      generation = g;
      since = Date.now();
    }
    return Date.now() - since >= ms ? g : undefined;
  }, { timeoutMs: 120_000, intervalMs: 500 });
}

describe('actuation', () => {
  beforeAll(async () => {
    await applyCrds();
    scenario = await createScenario(plans, { refreshInterval: '5s', maxStaleness: '20s' });
    for (const n of testNamespaces) await core.createNamespace({ body: { metadata: { name: ns(n) } } });
    operator = await run();
  }, 300_000);

  afterAll(async () => {
    resetSignals();
    scenario.server.outage('none');
    operator ??= await run();
    for (const n of allNamespaces()) await core.deleteNamespace({ name: n }).catch(() => undefined);
    await eventually('test namespaces gone', async () => {
      const left = await core.listNamespace();
      return left.items.some((x) => allNamespaces().includes(x.metadata?.name ?? '')) ? undefined : true;
    }, { timeoutMs: 90_000 }).catch(() => undefined);
    await operator.stop();
    await (scenario as Scenario | undefined)?.teardown();
  }, 150_000);

  it('fills the small green hub with two competing workloads whose pods ran elsewhere before the operator started', async () => {
    const n = ns('compete');
    // Created while no operator runs: the default scheduler spreads the pods.
    await operator?.stop();
    for (const name of ['weld', 'paint']) {
      await createTargetAndWorkload(targetDeployment(n, name, { replicas: 2, gpu: 1 }), factoryWorkload(n, name, scenario.region, { target: name, budgetMs: 40 }));
    }
    await eventually('pods Ready before the operator', async () => {
      const counts = [...(await podsByHub(n, 'weld')).values(), ...(await podsByHub(n, 'paint')).values()];
      return counts.reduce((a, b) => a + b, 0) === 4 && [...(await podsByHub(n, 'weld')).keys(), ...(await podsByHub(n, 'paint')).keys()].every((k) => !k.includes('not ready') && k !== 'Pending') ? true : undefined;
    });
    operator = await run();
    // Both end with status = cluster, Placed=True; the green hub's two GPUs are used and
    // nothing runs in the dirty hub although it is nearest.
    const weld = await statusMatchesCluster(n, 'weld');
    const paint = await statusMatchesCluster(n, 'paint');
    const inHub = (fw: FactoryWorkload, hub: string): number => fw.status?.replicasByHub?.[hubOf(hub)] ?? 0;
    expect(inHub(weld, 'green') + inHub(paint, 'green')).toBe(2);
    expect(inHub(weld, 'dirty') + inHub(paint, 'dirty')).toBe(0);
    expect(inHub(weld, 'mid') + inHub(paint, 'mid')).toBe(2);
    for (const fw of [weld, paint]) {
      expect(fw.status?.plannedReplicasByHub).toEqual(fw.status?.replicasByHub);
      expect(fw.status?.eligibleHubs).toEqual([hubOf('dirty'), hubOf('green'), hubOf('mid')]);
    }
  }, 300_000);

  it('keeps the target own required affinity, nodeSelector and tolerations, and gives it back exactly on delete', async () => {
    const n = ns('own');
    const d = targetDeployment(n, 'lens', { replicas: 2 });
    const podSpec = d.spec?.template.spec as unknown as Record<string, unknown>;
    podSpec.affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/arch', operator: 'In', values: ['amd64'] }] }] } } };
    podSpec.tolerations = [{ key: 'example.com/dedicated', operator: 'Exists', effect: 'NoSchedule' }];
    await apps.createNamespacedDeployment({ namespace: n, body: d });
    const before = await deployment(n, 'lens');
    await custom.createNamespacedCustomObject({ group: 'westward.io', version: 'v1alpha1', plural: 'factoryworkloads', namespace: n, body: factoryWorkload(n, 'lens', scenario.region, { target: 'lens', budgetMs: 50 }) });

    // arm is the greenest and within the budget, but the target's own rule allows only amd64.
    const fw = await statusMatchesCluster(n, 'lens');
    expect(fw.status?.eligibleHubs).not.toContain(hubOf('arm'));
    expect(Object.keys(fw.status?.replicasByHub ?? {})).not.toContain(hubOf('arm'));
    const placed = await deployment(n, 'lens');
    const spec = placed.spec?.template.spec;
    expect(spec?.nodeSelector).toEqual(before.spec?.template.spec?.nodeSelector);
    expect(spec?.tolerations).toEqual(before.spec?.template.spec?.tolerations);
    const terms = spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
    expect(terms.length).toBe(3);
    for (const t of terms) expect(t.matchExpressions?.[0]).toEqual({ key: 'kubernetes.io/arch', operator: 'In', values: ['amd64'] });
    expect(terms.map((t) => t.matchExpressions?.[1]?.values?.[0]).sort()).toEqual([hubOf('dirty'), hubOf('green'), hubOf('mid')].sort());

    await deleteWorkload(n, 'lens');
    await eventually('FactoryWorkload gone', async () => getWorkload(n, 'lens').then(() => undefined, (e: unknown) => ((e as { code?: number }).code === 404 ? true : undefined)));
    const after = await deployment(n, 'lens');
    expect(JSON.parse(JSON.stringify(after.spec?.template))).toEqual(JSON.parse(JSON.stringify(before.spec?.template)));
    for (const a of ['westward.io/placed-by', 'westward.io/own-node-affinity', 'westward.io/placement']) expect(after.metadata?.annotations?.[a]).toBeUndefined();
    expect(after.metadata?.managedFields?.some((m) => m.manager === 'westward' && JSON.stringify(m.fieldsV1 ?? {}).includes('nodeAffinity'))).toBe(false);
    // created, placed, given back: one rollout each way
    expect(after.metadata?.generation).toBe((before.metadata?.generation ?? 0) + 2);
  }, 240_000);

  it('never writes a placement that the target own rules make unschedulable, and says so', async () => {
    const n = ns('unsched');
    const d = targetDeployment(n, 'mainframe', { replicas: 1 });
    (d.spec?.template.spec as unknown as Record<string, unknown>).affinity = {
      nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/arch', operator: 'In', values: ['s390x'] }] }] } },
    };
    await createTargetAndWorkload(d, factoryWorkload(n, 'mainframe', scenario.region, { target: 'mainframe', budgetMs: 50 }));
    const fw = await placedWhere(n, 'mainframe', 'False', 'Unschedulable');
    expect(condition(fw, 'Placed')?.message).toContain(hubOf('green'));
    await eventually('an Unschedulable event', async () => ((await eventsOf(n, 'mainframe', 'Unschedulable')).length === 1 ? true : undefined));
    expect((await deployment(n, 'mainframe')).metadata?.generation).toBe(1);
  });

  it('does not fight a GitOps tool that declares node affinity, and takes over with one rollout when the field is free', async () => {
    const n = ns('gitops');
    const manifest = targetDeployment(n, 'press', { replicas: 2 });
    const declared = JSON.parse(JSON.stringify(manifest)) as V1Deployment;
    (declared.spec?.template.spec as unknown as Record<string, unknown>).affinity = {
      nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 5, preference: { matchExpressions: [{ key: 'kubernetes.io/arch', operator: 'In', values: ['amd64'] }] } }] },
    };
    const sync = (body: V1Deployment): Promise<string> =>
      kubectlOk(['apply', '--server-side', '--force-conflicts', '--field-manager=gitops-sync', '-f', '-'], { input: JSON.stringify(body) });
    await sync(declared);
    await custom.createNamespacedCustomObject({ group: 'westward.io', version: 'v1alpha1', plural: 'factoryworkloads', namespace: n, body: factoryWorkload(n, 'press', scenario.region, { target: 'press', budgetMs: 40 }) });
    const blocked = await placedWhere(n, 'press', 'False', 'AffinityOwnedByOtherManager');
    expect(condition(blocked, 'Placed')?.message).toContain('gitops-sync');

    // A self-healing GitOps tool re-applies its manifest again and again: nothing rolls.
    for (let i = 0; i < 8; i++) {
      await sync(declared);
      await new Promise((r) => setTimeout(r, 1_500));
    }
    expect((await deployment(n, 'press')).metadata?.generation).toBe(1);
    expect((await eventsOf(n, 'press', 'AffinityOwnedByOtherManager')).length).toBe(1);

    // The manifest stops declaring node affinity: one rollout for that change, one for Westward.
    await sync(manifest);
    await statusMatchesCluster(n, 'press');
    for (let i = 0; i < 8; i++) {
      await sync(manifest);
      await new Promise((r) => setTimeout(r, 1_500));
    }
    const after = await deployment(n, 'press');
    expect(after.metadata?.generation).toBe(3);
    expect(after.metadata?.managedFields?.filter((m) => JSON.stringify(m.fieldsV1 ?? {}).includes('f:nodeAffinity')).map((m) => m.manager)).toEqual(['westward']);
  }, 240_000);

  it('lets one FactoryWorkload hold a target: a second writes nothing, and deleting it touches nothing', async () => {
    const n = ns('twofw');
    await createTargetAndWorkload(targetDeployment(n, 'saw', { replicas: 2 }), factoryWorkload(n, 'saw', scenario.region, { target: 'saw', budgetMs: 40 }));
    await statusMatchesCluster(n, 'saw');
    const generation = await steadyGeneration(n, 'saw', 4_000);
    const affinity = (await deployment(n, 'saw')).spec?.template.spec?.affinity;

    await custom.createNamespacedCustomObject({ group: 'westward.io', version: 'v1alpha1', plural: 'factoryworkloads', namespace: n, body: factoryWorkload(n, 'saw-two', scenario.region, { target: 'saw', budgetMs: 50 }) });
    const second = await placedWhere(n, 'saw-two', 'False', 'TargetClaimed');
    expect(condition(second, 'Placed')?.message).toContain('FactoryWorkload saw');
    await eventually('a TargetClaimed event', async () => ((await eventsOf(n, 'saw-two', 'TargetClaimed')).length === 1 ? true : undefined));
    await new Promise((r) => setTimeout(r, 8_000));
    expect((await deployment(n, 'saw')).metadata?.generation).toBe(generation);

    await deleteWorkload(n, 'saw-two');
    await eventually('second FactoryWorkload gone', async () => getWorkload(n, 'saw-two').then(() => undefined, () => true));
    const after = await deployment(n, 'saw');
    expect(after.metadata?.generation).toBe(generation);
    expect(after.spec?.template.spec?.affinity).toEqual(affinity);
    expect(condition(await getWorkload(n, 'saw'), 'Placed')?.status).toBe('True');
  }, 180_000);

  it('turns a write the API server refuses into Placed=False with its message and one event, not a retry loop', async () => {
    const n = ns('refused');
    const admission = kc.makeApiClient(AdmissionregistrationV1Api);
    const policy = `westward-e2e-no-affinity-${scenario.suffix}`;
    await admission.createValidatingAdmissionPolicy({
      body: {
        metadata: { name: policy },
        spec: {
          failurePolicy: 'Fail',
          matchConstraints: { resourceRules: [{ apiGroups: ['apps'], apiVersions: ['v1'], operations: ['UPDATE'], resources: ['deployments'] }] },
          validations: [{ expression: '!has(object.spec.template.spec.affinity) || !has(object.spec.template.spec.affinity.nodeAffinity)', message: 'node affinity is not allowed in this namespace' }],
        },
      },
    });
    await admission.createValidatingAdmissionPolicyBinding({
      body: { metadata: { name: policy }, spec: { policyName: policy, validationActions: ['Deny'], matchResources: { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': n } } } } },
    });
    try {
      // The policy takes a moment to be enforced; the first attempts may go through otherwise.
      await new Promise((r) => setTimeout(r, 3_000));
      await createTargetAndWorkload(targetDeployment(n, 'drill', { replicas: 1 }), factoryWorkload(n, 'drill', scenario.region, { target: 'drill', budgetMs: 40 }));
      const fw = await placedWhere(n, 'drill', 'False', 'TargetWriteRefused');
      expect(condition(fw, 'Placed')?.message).toContain('node affinity is not allowed in this namespace');
      const refusedLogs = (): number => (operator?.logs() ?? []).filter((l) => l.includes('refused the node affinity') && l.includes('drill')).length;
      const once = refusedLogs();
      await new Promise((r) => setTimeout(r, 10_000));
      expect(refusedLogs()).toBe(once);
      expect((await eventsOf(n, 'drill', 'TargetWriteRefused')).length).toBe(1);
      expect((await deployment(n, 'drill')).metadata?.generation).toBe(1);
    } finally {
      await admission.deleteValidatingAdmissionPolicyBinding({ name: policy }).catch(() => undefined);
      await admission.deleteValidatingAdmissionPolicy({ name: policy }).catch(() => undefined);
    }
  }, 180_000);

  describe('crash safety', () => {
    let crash = 0;
    it.each(['move-before-patch', 'move-after-patch', 'move-after-status'])('a SIGKILL at %s: the move is recorded once, and no second move within minDwell', async (point) => {
      resetSignals();
      const n = ns('crash');
      const name = `kiln-${String(crash++)}`;
      // Only these workloads may use arm (45 ms): its signal moves nobody else.
      await createTargetAndWorkload(targetDeployment(n, name, { replicas: 2 }), factoryWorkload(n, name, scenario.region, { target: name, budgetMs: 50, minDwell: '10m', minImprovement: 0.1 }));
      await waitForPlacement(n, name, { [hubOf('arm')]: 2 }, 120_000);
      await statusMatchesCluster(n, name);

      await operator?.stop();
      operator = await run({ env: { WESTWARD_FAILPOINTS: point } });
      scenario.setSignal('arm', { renewableShare: 0.2, carbonIntensity: 500 });
      await eventually(`the operator to die at ${point}`, () => Promise.resolve(operator?.exited() === true ? true : undefined), { timeoutMs: 90_000 });
      expect(operator.logs().some((l) => l.includes(`"failpoint":"${point}"`))).toBe(true);

      operator = await run();
      await waitForPlacement(n, name, { [hubOf('green')]: 2 }, 120_000);
      const moved = await eventually('lastMove recorded', async () => {
        const fw = await getWorkload(n, name);
        return fw.status?.lastMove?.to === hubOf('green') ? fw : undefined;
      });
      expect(moved.status?.lastMove?.from).toBe(hubOf('arm'));
      // Arm turns far greener again at once: within minDwell the workload stays.
      scenario.setSignal('arm', { renewableShare: 1, carbonIntensity: 0 });
      await eventually('the planner to hold it for minDwell', async () => ((await getWorkload(n, name)).status?.reason?.includes('minDwell') ? true : undefined), { timeoutMs: 60_000 });
      await new Promise((r) => setTimeout(r, 6_000));
      const after = await getWorkload(n, name);
      expect(after.status?.lastMove).toEqual(moved.status?.lastMove);
      expect(Object.fromEntries(await podsByHub(n, name))).toEqual({ [hubOf('green')]: 2 });
      const movedEvents = await eventsOf(n, name, 'Moved');
      expect(movedEvents.length).toBe(1);
      expect(movedEvents[0]?.series?.count ?? 1).toBe(1);
      resetSignals();
      await deleteWorkload(n, name);
    }, 300_000);
  });

  it('moves nothing in or out of a hub whose forecast has fallen back, and says which hub lacked data', async () => {
    resetSignals();
    const n = ns('nodata');
    await createTargetAndWorkload(targetDeployment(n, 'oven', { replicas: 2 }), factoryWorkload(n, 'oven', scenario.region, { target: 'oven', budgetMs: 40, minDwell: '1s' }));
    await waitForPlacement(n, 'oven', { [hubOf('green')]: 2 }, 120_000);
    await statusMatchesCluster(n, 'oven');
    const generation = await steadyGeneration(n, 'oven', 4_000);

    // Green's provider fails: past maxStaleness (20 s) green falls back to its declared grid
    // intensity (600 gCO2/kWh, no renewable share), which would make mid look far better.
    scenario.server.outage('http503', [hubOf('green')]);
    try {
      await eventually('the reason to name the hub without data', async () => {
        const fw = await getWorkload(n, 'oven');
        return fw.status?.reason?.includes(`no live forecast for ${hubOf('green')}`) ? true : undefined;
      }, { timeoutMs: 90_000 });
      await new Promise((r) => setTimeout(r, 8_000));
      expect((await deployment(n, 'oven')).metadata?.generation).toBe(generation);
      expect(Object.fromEntries(await podsByHub(n, 'oven'))).toEqual({ [hubOf('green')]: 2 });
    } finally {
      scenario.server.outage('none');
    }
  }, 180_000);

  it('is quiet when nothing changes: no writes, and reconciles only from the plan interval', async () => {
    resetSignals();
    // Let every workload above settle first.
    for (const [n, name] of [[ns('compete'), 'weld'], [ns('compete'), 'paint'], [ns('twofw'), 'saw'], [ns('nodata'), 'oven']] as const) await statusMatchesCluster(n, name);
    await new Promise((r) => setTimeout(r, 10_000));
    const snapshot = async (): Promise<string> => {
      const fws = await custom.listClusterCustomObject({ group: 'westward.io', version: 'v1alpha1', plural: 'factoryworkloads' }) as { items: FactoryWorkload[] };
      const mine = fws.items.filter((f) => allNamespaces().includes(f.metadata?.namespace ?? ''));
      const deployments = (await Promise.all(allNamespaces().map((x) => apps.listNamespacedDeployment({ namespace: x })))).flatMap((l) => l.items);
      const events = (await Promise.all(allNamespaces().map((x) => eventsApi.listNamespacedEvent({ namespace: x })))).flatMap((l) => l.items.filter((e) => e.reportingController === 'westward.io/operator'));
      return JSON.stringify({
        fws: mine.map((f) => `${f.metadata?.namespace ?? ''}/${f.metadata?.name ?? ''}@${f.metadata?.resourceVersion ?? ''}`).sort(),
        targets: deployments.map((d) => `${d.metadata?.namespace ?? ''}/${d.metadata?.name ?? ''}@${String(d.metadata?.generation)}:${JSON.stringify(d.metadata?.annotations ?? {})}`).sort(),
        events: events.map((e) => `${e.metadata?.name ?? ''}:${String(e.series?.count ?? 1)}`).sort(),
      });
    };
    const before = await snapshot();
    await new Promise((r) => setTimeout(r, 30_000));
    expect(await snapshot()).toBe(before);
  }, 240_000);
});

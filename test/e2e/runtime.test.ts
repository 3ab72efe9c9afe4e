// The runtime against the real local API server: informer, server-side apply, guarded
// finalizer patches, events, leader election and the controller loop with its /metrics.
import { AppsV1Api, CoordinationV1Api, CoreV1Api, CustomObjectsApi, EventsV1Api, Watch, type KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/observability/logger.ts';
import { createRegistry } from '../../src/observability/metrics.ts';
import { startObservabilityServer } from '../../src/observability/server.ts';
import { applyCustomStatus, applyDeployment, customObjectTarget, setFinalizer, workloadTarget, type ApplyConfiguration } from '../../src/runtime/apply.ts';
import { Controller } from '../../src/runtime/controller.ts';
import { EventRecorder } from '../../src/runtime/events.ts';
import { Informer, resourcePath, type KubeObject, type WatchLike } from '../../src/runtime/informer.ts';
import { getJson } from '../../src/runtime/kube-http.ts';
import { kubernetesLeaseStore, LeaderElector, type LeaseStore } from '../../src/runtime/leader.ts';
import { createNamespace, eventually, kubeConfig, kubectl } from './support/kube.ts';

let kc: KubeConfig;
let ns: string;

beforeAll(async () => {
  kc = kubeConfig();
  ns = await createNamespace('runtime');
});

afterAll(async () => {
  await kubectl(['delete', 'namespace', ns, '--wait=false']);
});

async function kubectlOk(args: string[], input?: string): Promise<string> {
  const r = await kubectl(args, input === undefined ? {} : { input });
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

function configMap(name: string, labels: Record<string, string>, data: Record<string, string> = {}): string {
  return JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns, labels }, data });
}

/** Wraps client-node's Watch so the test can cut the connection and refuse new ones. */
class BreakableWatch implements WatchLike {
  readonly #inner: Watch;
  readonly open: AbortController[] = [];
  blocked = false;
  constructor(config: KubeConfig) {
    this.#inner = new Watch(config);
  }
  async watch(...args: Parameters<WatchLike['watch']>): Promise<AbortController> {
    if (this.blocked) {
      const c = new AbortController();
      args[3](Object.assign(new Error('connect ECONNREFUSED (test)'), { code: 'ECONNREFUSED' }));
      return c;
    }
    const c = await this.#inner.watch(...args);
    this.open.push(c);
    return c;
  }
}

describe('informer', () => {
  it('lists and sees adds, updates and deletes of selected ConfigMaps, and survives a broken watch by relisting', async () => {
    const watch = new BreakableWatch(kc);
    const changes: string[] = [];
    const deletes: string[] = [];
    await kubectlOk(['apply', '-f', '-'], configMap('before', { 'westward.io/test': 'informer' }));
    const informer = new Informer<KubeObject & { data?: Record<string, string> }>({
      name: 'configmaps',
      kubeConfig: kc,
      path: `/api/v1/namespaces/${ns}/configmaps`,
      labelSelector: 'westward.io/test=informer',
      watch,
      backoff: { baseMs: 500, maxMs: 4000, jitter: 0.5 },
      logger: silentLogger(),
    });
    informer.onChange((o) => changes.push(`${o.metadata?.name ?? ''}=${o.data?.v ?? ''}`));
    informer.onDelete((o) => deletes.push(o.metadata?.name ?? ''));
    informer.start();
    try {
      await informer.waitForSync();
      expect(informer.list().map((o) => o.metadata?.name)).toEqual(['before']);

      await kubectlOk(['apply', '-f', '-'], configMap('a', { 'westward.io/test': 'informer' }, { v: '1' }));
      await kubectlOk(['apply', '-f', '-'], configMap('unselected', { other: 'x' }));
      await eventually('add seen', () => Promise.resolve(changes.includes('a=1') ? true : undefined), { timeoutMs: 10_000 });
      await kubectlOk(['apply', '-f', '-'], configMap('a', { 'westward.io/test': 'informer' }, { v: '2' }));
      await eventually('update seen', () => Promise.resolve(changes.includes('a=2') ? true : undefined), { timeoutMs: 10_000 });
      await kubectlOk(['-n', ns, 'delete', 'configmap', 'before']);
      await eventually('delete seen', () => Promise.resolve(deletes.includes('before') ? true : undefined), { timeoutMs: 10_000 });
      expect(informer.get(`${ns}/unselected`)).toBeUndefined();
      expect(informer.get(`${ns}/a`)?.data?.v).toBe('2');

      // Cut the live connection and refuse new watches; change things while the watch is down.
      const listsBefore = informer.stats().lists;
      watch.blocked = true;
      for (const c of watch.open) c.abort(new Error('forced by test'));
      await kubectlOk(['-n', ns, 'delete', 'configmap', 'a']);
      await kubectlOk(['apply', '-f', '-'], configMap('during', { 'westward.io/test': 'informer' }, { v: '3' }));
      // Relists (not the dead watch) report the delete and the add.
      await eventually('delete seen by relist', () => Promise.resolve(deletes.includes('a') ? true : undefined), { timeoutMs: 20_000 });
      await eventually('add seen by relist', () => Promise.resolve(changes.includes('during=3') ? true : undefined), { timeoutMs: 20_000 });
      expect(informer.stats().lists).toBeGreaterThan(listsBefore);
      expect(informer.stats().failures).toBeGreaterThan(0);

      // Watches come back and deliver live events again.
      watch.blocked = false;
      const watchesBefore = informer.stats().watches;
      await eventually('watch reconnected', () => Promise.resolve(informer.stats().watches > watchesBefore ? true : undefined), { timeoutMs: 20_000 });
      await kubectlOk(['apply', '-f', '-'], configMap('after', { 'westward.io/test': 'informer' }, { v: '4' }));
      await eventually('live add after recovery', () => Promise.resolve(changes.includes('after=4') ? true : undefined), { timeoutMs: 20_000 });
      expect(informer.list().map((o) => o.metadata?.name).sort()).toEqual(['after', 'during']);
    } finally {
      await informer.stop();
    }
  });
});

describe('informer and 410 Gone', () => {
  it('relists when the API server says its resourceVersion is too old', async () => {
    const registry = createRegistry();
    let lists = 0;
    const path = `/api/v1/namespaces/${ns}/configmaps`;
    const informer = new Informer<KubeObject>({
      name: 'gone-test',
      kubeConfig: kc,
      path,
      registry,
      // The first list claims an ancient resourceVersion, as if the informer had been asleep.
      list: async (opts) => {
        lists++;
        const page = (await getJson(kc, path, { ...opts })) as { items: KubeObject[]; metadata: { resourceVersion: string } };
        return lists === 1 ? { ...page, metadata: { resourceVersion: '1' } } : page;
      },
    });
    informer.start();
    try {
      await eventually('relisted after 410', () => Promise.resolve(lists >= 2 ? true : undefined), { timeoutMs: 15_000 });
      const text = await registry.metrics();
      expect(text).toMatch(/westward_informer_relists_total\{informer="gone-test",reason="gone"\} 1/);
      expect(informer.lastResourceVersion()).not.toBe('1');
    } finally {
      await informer.stop();
    }
  });
});

const affinity = {
  nodeAffinity: {
    requiredDuringSchedulingIgnoredDuringExecution: {
      nodeSelectorTerms: [{ matchExpressions: [{ key: 'topology.kubernetes.io/region', operator: 'In', values: ['cn-gansu'] }] }],
    },
  },
};

function gitopsDeployment(replicas: number): string {
  return JSON.stringify({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'vision', namespace: ns, labels: { team: 'qc' } },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'vision' } },
      template: {
        metadata: { labels: { app: 'vision' } },
        spec: { nodeSelector: { type: 'kwok' }, containers: [{ name: 'model', image: 'registry.invalid/vision:1' }] },
      },
    },
  });
}

describe('server-side apply', () => {
  it('owns only the node affinity, changes nothing on a repeat, and keeps it when another manager applies', async () => {
    const apps = kc.makeApiClient(AppsV1Api);
    await kubectlOk(['apply', '--server-side', '--field-manager=gitops', '-f', '-'], gitopsDeployment(0));
    const config: ApplyConfiguration = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'vision', namespace: ns },
      spec: { template: { spec: { affinity } } },
    };
    const first = await applyDeployment(apps, config);
    expect(first.spec?.template.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms[0]?.matchExpressions?.[0]?.values).toEqual(['cn-gansu']);
    const westward = first.metadata?.managedFields?.find((m) => m.manager === 'westward' && m.operation === 'Apply');
    expect(JSON.stringify(westward?.fieldsV1)).toContain('f:nodeAffinity');
    expect(JSON.stringify(westward?.fieldsV1)).not.toContain('f:replicas');

    // Let the deployment controller settle its status writes, then apply the same content again.
    const settled = await eventually(
      'deployment status settled',
      async () => {
        const a = await apps.readNamespacedDeployment({ name: 'vision', namespace: ns });
        if (a.status?.observedGeneration !== a.metadata?.generation) return undefined;
        await new Promise((r) => setTimeout(r, 1000));
        const b = await apps.readNamespacedDeployment({ name: 'vision', namespace: ns });
        return a.metadata?.resourceVersion === b.metadata?.resourceVersion ? b : undefined;
      },
      { timeoutMs: 30_000 },
    );
    const second = await applyDeployment(apps, config);
    expect(second.metadata?.resourceVersion).toBe(settled.metadata?.resourceVersion);
    expect(second.metadata?.generation).toBe(settled.metadata?.generation);

    // GitOps re-applies its manifest (without affinity) with a new replica count.
    await kubectlOk(['apply', '--server-side', '--field-manager=gitops', '-f', '-'], gitopsDeployment(2));
    const after = await apps.readNamespacedDeployment({ name: 'vision', namespace: ns });
    expect(after.spec?.replicas).toBe(2);
    expect(after.spec?.template.spec?.affinity?.nodeAffinity).toBeDefined();
    expect(after.spec?.template.spec?.containers[0]?.image).toBe('registry.invalid/vision:1');
  });
});

describe('finalizers', () => {
  it('adds and removes its finalizer without losing finalizers others added concurrently', async () => {
    const apps = kc.makeApiClient(AppsV1Api);
    await kubectlOk(['apply', '--server-side', '--field-manager=gitops', '-f', '-'], gitopsDeployment(0).replace('"vision"', '"fin"'));
    await kubectlOk(['-n', ns, 'patch', 'deployment', 'fin', '--type=merge', '-p', '{"metadata":{"finalizers":["example.com/keep"]}}']);
    const target = workloadTarget(apps, 'Deployment', ns, 'fin');
    const stale = await target.read();
    // Someone else adds a finalizer after our cache was filled.
    await kubectlOk(['-n', ns, 'patch', 'deployment', 'fin', '--type=json', '-p', '[{"op":"add","path":"/metadata/finalizers/-","value":"example.com/second"}]']);
    const added = await setFinalizer(target, 'westward.io/cleanup', true, { current: stale });
    expect(added?.metadata?.finalizers).toEqual(['example.com/keep', 'example.com/second', 'westward.io/cleanup']);
    const removed = await setFinalizer(target, 'westward.io/cleanup', false, { current: added });
    expect(removed?.metadata?.finalizers).toEqual(['example.com/keep', 'example.com/second']);
    await kubectlOk(['-n', ns, 'patch', 'deployment', 'fin', '--type=merge', '-p', '{"metadata":{"finalizers":null}}']);
  });
});

describe('custom resources', () => {
  it('applies a FactoryWorkload status through /status, manages its finalizer, and informs on it', async () => {
    const crd = await kubectl(['get', 'crd', 'factoryworkloads.westward.io']);
    if (crd.code !== 0) await kubectlOk(['apply', '--server-side', '-f', 'crds/westward.io_factoryworkloads.yaml']);
    await kubectlOk(['wait', '--for=condition=Established', 'crd/factoryworkloads.westward.io', '--timeout=30s']);
    const fw = {
      apiVersion: 'westward.io/v1alpha1',
      kind: 'FactoryWorkload',
      metadata: { name: 'weld-qc', namespace: ns },
      spec: {
        targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'vision' },
        factory: { region: 'guangdong' },
        latencyBudgetMs: 45,
        powerPerReplicaW: 700,
      },
    };
    await kubectlOk(['apply', '--server-side', '--field-manager=gitops', '-f', '-'], JSON.stringify(fw));
    const informer = new Informer({ name: 'factoryworkloads', kubeConfig: kc, path: resourcePath('westward.io', 'v1alpha1', 'factoryworkloads', ns) });
    const seen: string[] = [];
    informer.onChange((o) => seen.push(o.metadata?.resourceVersion ?? ''));
    informer.start();
    try {
      await informer.waitForSync();
      expect(informer.get(`${ns}/weld-qc`)).toBeDefined();
      const custom = kc.makeApiClient(CustomObjectsApi);
      const ref = { group: 'westward.io', version: 'v1alpha1', plural: 'factoryworkloads', kind: 'FactoryWorkload', namespace: ns, name: 'weld-qc' };
      const status = { observedGeneration: 1, hub: 'gansu-qingyang', eligibleHubs: ['gansu-qingyang', 'ningxia-zhongwei'] };
      const first = (await applyCustomStatus(custom, ref, status)) as { metadata: { resourceVersion: string }; status: typeof status; spec: unknown };
      expect(first.status).toMatchObject(status);
      expect(first.spec).toMatchObject(fw.spec);
      const second = (await applyCustomStatus(custom, ref, status)) as { metadata: { resourceVersion: string } };
      expect(second.metadata.resourceVersion).toBe(first.metadata.resourceVersion);
      await eventually('status change seen by the informer', () =>
        Promise.resolve(informer.get(`${ns}/weld-qc`)?.metadata?.resourceVersion === first.metadata.resourceVersion ? true : undefined),
      { timeoutMs: 10_000 });

      const target = customObjectTarget(custom, ref);
      await kubectlOk(['-n', ns, 'patch', 'factoryworkload', 'weld-qc', '--type=merge', '-p', '{"metadata":{"finalizers":["example.com/keep"]}}']);
      const added = await setFinalizer(target, 'westward.io/cleanup', true);
      expect(added?.metadata?.finalizers).toEqual(['example.com/keep', 'westward.io/cleanup']);
      const removed = await setFinalizer(target, 'westward.io/cleanup', false);
      expect(removed?.metadata?.finalizers).toEqual(['example.com/keep']);
      await kubectlOk(['-n', ns, 'patch', 'factoryworkload', 'weld-qc', '--type=merge', '-p', '{"metadata":{"finalizers":null}}']);
    } finally {
      await informer.stop();
    }
  });
});

describe('events', () => {
  it('writes one events.k8s.io/v1 Event for repeats and counts them in its series', async () => {
    const recorder = new EventRecorder({
      api: kc.makeApiClient(EventsV1Api),
      controller: 'westward.io/operator',
      instance: 'e2e',
      dedup: { flushIntervalMs: 0 },
      logger: silentLogger(),
    });
    const regarding = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'vision', namespace: ns };
    for (let i = 0; i < 3; i++) await recorder.record({ regarding, type: 'Normal', reason: 'Moved', action: 'Reschedule', note: 'Moved to gansu' });
    const list = await kc.makeApiClient(EventsV1Api).listNamespacedEvent({ namespace: ns });
    const moved = list.items.filter((e) => e.reason === 'Moved');
    expect(moved).toHaveLength(1);
    expect(moved[0]?.series?.count).toBe(3);
    expect(moved[0]?.regarding?.name).toBe('vision');
    expect(moved[0]?.reportingController).toBe('westward.io/operator');
  });
});

describe('leader election', () => {
  it('lets one of two candidates lead, and the other take over within 30 s after the leader dies', async () => {
    const api = kc.makeApiClient(CoordinationV1Api);
    let dead = false;
    const real = kubernetesLeaseStore(api, ns, 'westward-leader');
    // The first candidate's process "dies": its calls hang forever, so it neither renews nor releases.
    const dying: LeaseStore = {
      describe: () => real.describe(),
      get: () => (dead ? new Promise(() => undefined) : real.get()),
      create: (r) => (dead ? new Promise(() => undefined) : real.create(r)),
      update: (r, rv) => (dead ? new Promise(() => undefined) : real.update(r, rv)),
    };
    const log: string[] = [];
    const mk = (id: string, store: LeaseStore): LeaderElector =>
      new LeaderElector({ store, identity: id, onStartedLeading: () => log.push(`${id}+`), onStoppedLeading: () => log.push(`${id}-`), logger: silentLogger() });
    const a = mk('candidate-a', dying);
    void a.run();
    await eventually('a leads', () => Promise.resolve(a.isLeader() ? true : undefined), { timeoutMs: 10_000 });
    const b = mk('candidate-b', real);
    void b.run();
    // Both run for a while: only a leads.
    const until = Date.now() + 5000;
    while (Date.now() < until) {
      expect(a.isLeader() && b.isLeader()).toBe(false);
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(b.isLeader()).toBe(false);

    dead = true;
    const killedAt = Date.now();
    await eventually(
      'b takes over',
      () => {
        expect(a.isLeader() && b.isLeader()).toBe(false);
        return Promise.resolve(b.isLeader() ? true : undefined);
      },
      { timeoutMs: 35_000, intervalMs: 100 },
    );
    const takeoverMs = Date.now() - killedAt;
    console.log(`leader takeover after ${takeoverMs} ms`);
    expect(takeoverMs).toBeLessThanOrEqual(30_000);
    expect(log.indexOf('candidate-a-')).toBeLessThan(log.indexOf('candidate-b+'));
    const lease = await api.readNamespacedLease({ name: 'westward-leader', namespace: ns });
    expect(lease.spec?.holderIdentity).toBe('candidate-b');
    expect(lease.spec?.leaseTransitions).toBe(1);

    await b.stop();
    const released = await api.readNamespacedLease({ name: 'westward-leader', namespace: ns });
    expect(released.spec?.holderIdentity ?? '').toBe('');
  }, 90_000);
});

describe('controller loop and /metrics', () => {
  it('reconciles keys from informer events and exposes its metrics over HTTP', async () => {
    const registry = createRegistry();
    const core = kc.makeApiClient(CoreV1Api);
    const informer = new Informer({ name: 'e2e-configmaps', kubeConfig: kc, path: `/api/v1/namespaces/${ns}/configmaps`, labelSelector: 'westward.io/test=controller', registry });
    const reconciled = new Set<string>();
    const controller = new Controller({
      name: 'e2e.configmaps',
      logger: silentLogger(),
      registry,
      concurrency: 2,
      reconcile: async (key) => {
        const [namespace = '', name = ''] = key.split('/');
        await core.readNamespacedConfigMap({ name, namespace }).catch(() => undefined);
        reconciled.add(key);
        return undefined;
      },
    }).watch(informer);
    const server = await startObservabilityServer({ registry, port: 0, host: '127.0.0.1', readiness: { informers: () => informer.hasSynced() } });
    informer.start();
    const running = controller.start();
    try {
      await kubectlOk(['apply', '-f', '-'], configMap('c1', { 'westward.io/test': 'controller' }));
      await eventually('reconciled', () => Promise.resolve(reconciled.has(`${ns}/c1`) ? true : undefined), { timeoutMs: 10_000 });
      expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
      const text = await (await fetch(`${server.url}/metrics`)).text();
      expect(text).toMatch(/westward_controller_reconcile_total\{controller="e2e.configmaps",result="success"\} [1-9]/);
      expect(text).toMatch(/westward_controller_reconcile_duration_seconds_count\{controller="e2e.configmaps"\} [1-9]/);
      expect(text).toMatch(/westward_informer_objects\{informer="e2e-configmaps"\} 1/);
    } finally {
      await informer.stop();
      await controller.stop();
      await running;
      await server.close();
    }
  });
});

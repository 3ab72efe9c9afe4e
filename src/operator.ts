// The composition root: builds every dependency once and wires informers, controllers, the
// forecast poller, the planner thread, leader election, the HTTP endpoints and shutdown.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import {
  AppsV1Api,
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  EventsV1Api,
  type KubeConfig,
  type V1Deployment,
  type V1Node,
  type V1StatefulSet,
} from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { FactoryWorkload, Hub } from './api/index.ts';
import { factoryWorkloadPlural, group, hubPlural, version } from './api/index.ts';
import type { OperatorContext, Informers } from './controllers/context.ts';
import { placementFields } from './controllers/factoryworkload/ownership.ts';
import { createFactoryWorkloadReconciler } from './controllers/factoryworkload/reconciler.ts';
import { HubForecasts } from './controllers/hub/forecasts.ts';
import { createHubReconciler } from './controllers/hub/reconciler.ts';
import { createPlanningReconciler, excludedUnlessNamed, inScope, PlacementState, planKey } from './controllers/placement/planning.ts';
import { createForecastSource, type FetchForecasts } from './forecast/source.ts';
import type { Pod } from './model/kube.ts';
import { selectorMatches } from './model/label-selector.ts';
import { kubernetesAccessReviews, metricsAuthorizer } from './observability/metrics-auth.ts';
import { createRegistry } from './observability/metrics.ts';
import { selfSignedCertificate } from './observability/self-signed.ts';
import { startObservabilityServer, type ObservabilityServer } from './observability/server.ts';
import { createPlannerWorker } from './placement/worker.ts';
import type { PlannerLimits } from './placement/types.ts';
import { systemClock, type Clock } from './runtime/clock.ts';
import { Controller } from './runtime/controller.ts';
import { EventRecorder } from './runtime/events.ts';
import { Informer, resourcePath, type InformerCache, type KubeObject } from './runtime/informer.ts';
import { MultiNamespaceInformer } from './runtime/multi-namespace-informer.ts';
import { kubernetesLeaseStore, LeaderElector, reportLeadingWithoutElection } from './runtime/leader.ts';

export interface OperatorOptions {
  kubeConfig: KubeConfig;
  logger: Logger;
  metrics: { host: string; port: number };
  /** serve /metrics over HTTPS (a self-signed certificate) to tokens the API server allows to get it */
  metricsSecure?: boolean;
  health: { host: string; port: number };
  leaderElection: { enabled: boolean; namespace: string; name: string };
  namespaces: string[];
  /** the namespaces credentials Secrets may be read from; not empty */
  credentialsNamespaces: string[];
  limits: PlannerLimits;
  planIntervalMs: number;
  accountingStepMs: number;
  /** defaults to real HTTP clients of the providers */
  fetchForecasts?: FetchForecasts;
  clock?: Clock;
}

export interface RunningOperator {
  metricsUrl: string;
  healthUrl: string;
  isLeader: () => boolean;
  stop: () => Promise<void>;
}

/** Keeps only the managedFields entries that say who owns node affinity: little memory. */
function keepPlacementFields<T extends KubeObject>(obj: T): T {
  const fields = placementFields(obj.metadata?.managedFields as { manager?: string }[] | undefined);
  return { ...obj, metadata: { ...obj.metadata, managedFields: fields } };
}

/** Pods only matter for their node, namespace, labels, requests and readiness. */
function slimPod(pod: Pod & KubeObject): Pod & KubeObject {
  return {
    metadata: {
      name: pod.metadata?.name,
      namespace: pod.metadata?.namespace,
      labels: pod.metadata?.labels,
      resourceVersion: pod.metadata?.resourceVersion,
      creationTimestamp: pod.metadata?.creationTimestamp,
      deletionTimestamp: pod.metadata?.deletionTimestamp,
    },
    spec: {
      nodeName: pod.spec?.nodeName,
      containers: (pod.spec?.containers ?? []).map((c) => ({ name: c.name, resources: c.resources })),
      initContainers: pod.spec?.initContainers?.map((c) => ({ name: c.name, resources: c.resources, restartPolicy: c.restartPolicy })),
      overhead: pod.spec?.overhead,
    },
    status: { phase: pod.status?.phase, conditions: pod.status?.conditions?.filter((c) => c.type === 'Ready').map((c) => ({ type: c.type, status: c.status })) },
  };
}

// What each controller reacts to. Node and pod heartbeats and our own status writes change the
// resourceVersion and nothing here, so they wake nobody.
const nodeView = (n: V1Node): unknown => [
  n.metadata?.labels,
  n.spec?.unschedulable,
  n.spec?.taints,
  n.status?.allocatable,
  n.status?.conditions?.find((c) => c.type === 'Ready')?.status,
];
const podView = (p: Pod & KubeObject): unknown => [p.spec?.nodeName, p.status?.phase, p.status?.conditions, p.metadata?.labels, p.metadata?.deletionTimestamp];
const targetView = (t: KubeObject & { spec?: unknown; status?: unknown }): unknown => [t.metadata?.generation, t.metadata?.annotations, t.metadata?.managedFields, t.spec, t.status];
const specView = (o: KubeObject & { spec?: unknown }): unknown => [o.metadata?.generation, o.metadata?.labels, o.metadata?.deletionTimestamp, o.metadata?.finalizers, o.spec];

export async function runOperator(options: OperatorOptions): Promise<RunningOperator> {
  const { kubeConfig: kc, logger } = options;
  // Kubelet probes speak plain HTTP without a token, so health cannot share a secure server.
  if (options.metricsSecure === true && options.health.port !== 0 && options.health.port === options.metrics.port) {
    throw new Error(`--metrics-secure needs --health-probe-bind-address on another port than --metrics-bind-address (both ${options.metrics.port})`);
  }
  const clock = options.clock ?? systemClock;
  const registry = createRegistry({ processMetrics: true });
  const identity = `${hostname()}-${randomBytes(3).toString('hex')}`;
  const common = { kubeConfig: kc, logger, registry, clock };

  // With a namespace scope, targets and pods are watched in those namespaces only (the RBAC is
  // Roles there); without one, cluster-wide, but never targets in kube-system.
  const scoped = options.namespaces;
  const workloadInformer = <T extends KubeObject>(
    name: string,
    path: (namespace?: string) => string,
    extra: { transform: (obj: T) => T; fieldSelector?: string },
    clusterFieldSelector?: string,
  ): InformerCache<T> => {
    if (scoped.length === 0) {
      const fieldSelector = [extra.fieldSelector, clusterFieldSelector].filter((f) => f !== undefined).join(',');
      return new Informer<T>({ ...common, ...extra, name, path: path(), ...(fieldSelector === '' ? {} : { fieldSelector }) });
    }
    return new MultiNamespaceInformer<T>(name, new Map(scoped.map((ns) => [ns, new Informer<T>({ ...common, ...extra, name: `${name}/${ns}`, path: path(ns) })])));
  };
  const notExcluded = excludedUnlessNamed.map((ns) => `metadata.namespace!=${ns}`).join(',');
  const informers: Informers = {
    hubs: new Informer<Hub>({ ...common, name: 'hubs', path: `/apis/${group}/${version}/${hubPlural}` }),
    factoryWorkloads: new Informer<FactoryWorkload>({ ...common, name: 'factoryworkloads', path: `/apis/${group}/${version}/${factoryWorkloadPlural}` }),
    nodes: new Informer<V1Node>({ ...common, name: 'nodes', path: '/api/v1/nodes' }),
    // Cluster-wide, pods of every namespace count against a hub's capacity, kube-system's too.
    pods: workloadInformer<Pod & KubeObject>('pods', (ns) => resourcePath('', 'v1', 'pods', ns), {
      fieldSelector: 'status.phase!=Succeeded,status.phase!=Failed',
      transform: slimPod,
    }),
    deployments: workloadInformer<V1Deployment>('deployments', (ns) => resourcePath('apps', 'v1', 'deployments', ns), { transform: keepPlacementFields }, notExcluded),
    statefulSets: workloadInformer<V1StatefulSet>('statefulsets', (ns) => resourcePath('apps', 'v1', 'statefulsets', ns), { transform: keepPlacementFields }, notExcluded),
  };
  const ctx: OperatorContext = {
    informers,
    apps: kc.makeApiClient(AppsV1Api),
    core: kc.makeApiClient(CoreV1Api),
    custom: kc.makeApiClient(CustomObjectsApi),
    clock,
    logger,
    registry,
    events: new EventRecorder({ api: kc.makeApiClient(EventsV1Api), controller: 'westward.io/operator', instance: identity, clock, logger }),
  };

  const state = new PlacementState();
  const worker = createPlannerWorker();
  const placementOptions = { limits: options.limits, intervalMs: options.planIntervalMs, namespaces: options.namespaces };

  const hubController = new Controller({ name: 'hub.status', logger: logger.child({ controller: 'hub.status' }), registry, clock, reconcile: async (key) => hubReconcile(key) });
  const planController = new Controller({ name: 'placement.plan', logger: logger.child({ controller: 'placement.plan' }), registry, clock, reconcile: async () => planReconcile() });
  const workloadController = new Controller({
    name: 'factoryworkload.placement',
    logger: logger.child({ controller: 'factoryworkload.placement' }),
    registry,
    clock,
    concurrency: 4,
    reconcile: async (key) => workloadReconcile(key),
  });

  const forecasts = new HubForecasts({
    kubeConfig: kc,
    credentialsNamespaces: options.credentialsNamespaces,
    fetch: options.fetchForecasts ?? createForecastSource(),
    now: () => clock.now(),
    logger: logger.child({ controller: 'hub.forecast' }),
    registry,
    onPolled: (hubs) => {
      for (const hub of hubs) hubController.enqueue(hub);
      planController.enqueue(planKey);
    },
  });
  const hubReconcile = createHubReconciler(ctx, forecasts);
  const planReconcile = createPlanningReconciler(ctx, forecasts, worker, state, placementOptions, (key) => {
    workloadController.enqueue(key);
  });
  const workloadReconcile = createFactoryWorkloadReconciler(ctx, forecasts, state, {
    accountingStepMs: options.accountingStepMs,
    requestPlan: () => {
      planController.enqueue(planKey);
    },
  });

  // Secondary objects mapped to primary keys.
  const hubsOfLabels = (labels: Record<string, string> | undefined): string[] =>
    informers.hubs.list().filter((h) => selectorMatches(h.spec.nodeSelector, labels)).map((h) => h.metadata?.name ?? '');
  const nodeLabels = (nodeName: string | undefined): Record<string, string> | undefined =>
    nodeName === undefined ? undefined : informers.nodes.get(nodeName)?.metadata?.labels;
  const workloadsTargeting = (kind: string) => (obj: KubeObject): string[] =>
    informers.factoryWorkloads
      .list()
      .filter((fw) => inScope(placementOptions, fw) && fw.metadata?.namespace === obj.metadata?.namespace && fw.spec.targetRef.kind === kind && fw.spec.targetRef.name === obj.metadata?.name)
      .map((fw) => `${fw.metadata?.namespace ?? ''}/${fw.metadata?.name ?? ''}`);

  hubController
    .watch(informers.hubs, undefined, specView)
    .watch(informers.nodes, (node) => hubsOfLabels(node.metadata?.labels), nodeView)
    .watch(informers.pods, (pod) => hubsOfLabels(nodeLabels(pod.spec?.nodeName)), podView);
  const toPlan = (): string[] => [planKey];
  planController
    .watch(informers.hubs, toPlan, specView)
    .watch(informers.factoryWorkloads, toPlan, specView)
    .watch(informers.nodes, toPlan, nodeView)
    .watch(informers.deployments, toPlan, targetView)
    .watch(informers.statefulSets, toPlan, targetView);
  workloadController
    .watch(informers.factoryWorkloads, (fw) => (inScope(placementOptions, fw) ? [`${fw.metadata?.namespace ?? ''}/${fw.metadata?.name ?? ''}`] : []))
    .watch(informers.deployments, workloadsTargeting('Deployment'), targetView)
    .watch(informers.statefulSets, workloadsTargeting('StatefulSet'), targetView);

  // The poller follows the Hub cache: a new or changed forecast spec is polled at once.
  const declareHubs = (): void => {
    forecasts.setHubs(informers.hubs.list());
  };
  informers.hubs.onChange(declareHubs).onDelete(declareHubs);
  informers.factoryWorkloads
    .onChange((fw) => {
      state.observed(`${fw.metadata?.namespace ?? ''}/${fw.metadata?.name ?? ''}`, fw.metadata?.resourceVersion);
    })
    .onDelete((fw) => {
      state.forget(`${fw.metadata?.namespace ?? ''}/${fw.metadata?.name ?? ''}`);
    });
  for (const informer of Object.values(informers) as Informer[]) informer.start();

  let leading = false;
  const cachesSynced = new AbortController();
  const startControllers = (): void => {
    leading = true;
    logger.info({ identity }, 'Started leading');
    // As controller-runtime does: no reconcile before every cache holds its first list. A
    // decision on a half-filled pod cache would report pods as gone and write that.
    void Promise.all((Object.values(informers) as InformerCache[]).map((i) => i.waitForSync(cachesSynced.signal))).then(() => {
      if (cachesSynced.signal.aborted) return;
      forecasts.start();
      void hubController.start();
      void planController.start();
      void workloadController.start();
      planController.enqueue(planKey);
    });
  };
  let elector: LeaderElector | undefined;
  let stopping = false;
  if (options.leaderElection.enabled) {
    elector = new LeaderElector({
      store: kubernetesLeaseStore(kc.makeApiClient(CoordinationV1Api), options.leaderElection.namespace, options.leaderElection.name),
      identity,
      clock,
      logger,
      registry,
      onStartedLeading: startControllers,
      onStoppedLeading: () => {
        // As controller-runtime does: a replica that lost its lease exits and starts afresh.
        if (!stopping) {
          logger.error({ identity }, 'Lost leadership; exiting');
          process.exit(1);
        }
      },
    });
    void elector.run();
  } else {
    reportLeadingWithoutElection(registry);
    startControllers();
  }

  const synced = (): boolean => (Object.values(informers) as InformerCache[]).every((i) => i.hasSynced());
  const secure = options.metricsSecure === true;
  const metricsServer: ObservabilityServer = await startObservabilityServer({
    registry,
    host: options.metrics.host,
    port: options.metrics.port,
    ...(secure
      ? {
          tls: selfSignedCertificate([hostname(), 'localhost'], new Date(clock.now())),
          authorizeMetrics: metricsAuthorizer({ reviews: kubernetesAccessReviews(kc), now: () => clock.now() }),
        }
      : {}),
  });
  const healthServer: ObservabilityServer =
    !secure && options.health.port === options.metrics.port && options.health.host === options.metrics.host
      ? metricsServer
      : await startObservabilityServer({ registry, host: options.health.host, port: options.health.port });
  healthServer.addReadinessCheck('informers-synced', synced);

  return {
    metricsUrl: metricsServer.url,
    healthUrl: healthServer.url,
    isLeader: () => leading,
    stop: async () => {
      stopping = true;
      cachesSynced.abort();
      forecasts.stop();
      // A reconcile stuck on a slow API call must not hold the pod past its grace period.
      await withinMs(10_000, Promise.all([hubController.stop({ drain: false }), planController.stop({ drain: false }), workloadController.stop({ drain: true })]), () => {
        logger.warn('Controllers did not stop within 10 s; going on with shutdown');
      });
      await Promise.all((Object.values(informers) as InformerCache[]).map((i) => i.stop()));
      await elector?.stop();
      await worker.close();
      await metricsServer.close();
      if (healthServer !== metricsServer) await healthServer.close();
    },
  };
}

async function withinMs(ms: number, work: Promise<unknown>, onTimeout: () => void): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => {
      resolve('timeout');
    }, ms);
  });
  if ((await Promise.race([work.then(() => 'done' as const), timeout])) === 'timeout') onTimeout();
  clearTimeout(timer);
}

// A random cluster for the pure core: Hubs and FactoryWorkloads generated from the CRD schemas
// (status included, as a previous pass may have left it), filtered by the project's validator the
// way the API server admits them and defaulted as it stores them; around them the plain objects
// the informers hold (nodes, pods, targets) and the forecasts in use.
import fc from 'fast-check';
import { withFactoryWorkloadDefaults, withHubDefaults } from '../../../src/api/defaults.ts';
import type { FactoryWorkload, Hub } from '../../../src/api/index.ts';
import { factoryWorkloadSchema, hubSchema } from '../../../src/api/generated/schemas.ts';
import { validateFactoryWorkload, validateHub } from '../../../src/api/validate.ts';
import type { Target } from '../../../src/controllers/placement/gather.ts';
import type { EffectiveForecast } from '../../../src/forecast/poller.ts';
import { providerNames } from '../../../src/forecast/types.ts';
import type { Node, Pod } from '../../../src/model/kube.ts';
import type { PlannerLimits } from '../../../src/placement/types.ts';
import { dnsLabel, schemaArbitrary, type Path } from './schema-arbitrary.ts';

export interface World {
  nowMs: number;
  hubs: Hub[];
  workloads: FactoryWorkload[];
  /** by `namespace/kind/name` */
  targets: Map<string, Target>;
  nodes: Node[];
  pods: Pod[];
  forecasts: Map<string, EffectiveForecast>;
  limits: PlannerLimits;
  pendingRollouts: Set<string>;
}

/** Names shared by hubs, regions, label keys and values, so that selectors and budgets meet. */
const vocabulary = ['a', 'b', 'gpu', 'westward.io/hub'];
const namespaces = ['plant', 'plant-b', 'default'];

type Validate = (object: unknown) => { field: string }[];

/**
 * The CEL rules of one schema node, checked by the project's validator: the candidate is put at
 * its place in an object that is valid otherwise, and refused if a problem is reported under it.
 */
function celFilter(host: object, validate: Validate): (path: Path, value: unknown) => boolean {
  return (path, value) => {
    if (path === '') return validate(value).length === 0;
    const at = path.replaceAll('[]', '[0]');
    return !validate(placed(host, path.split('.'), value)).some((p) => p.field === at || p.field.startsWith(`${at}.`) || p.field.startsWith(`${at}[`));
  };
}

/** A copy of `node` with `value` at the path ("points[]" is a list of one), copying only the path. */
function placed(node: unknown, parts: readonly string[], value: unknown): unknown {
  const [part, ...rest] = parts;
  if (part === undefined) return value;
  const record = (node !== null && typeof node === 'object' ? node : {}) as Record<string, unknown>;
  const list = part.endsWith('[]');
  const name = list ? part.slice(0, -2) : part;
  const inner = placed(list ? {} : record[name], rest, value);
  return { ...record, [name]: list ? [inner] : inner };
}

const hubHost: Hub = {
  apiVersion: 'westward.io/v1alpha1',
  kind: 'Hub',
  metadata: { name: 'host' },
  spec: {
    location: { latitude: 0, longitude: 0 },
    nodeSelector: { matchLabels: { a: 'b' } },
    energy: { pue: 1.2, gridCarbonIntensity: 500 },
    // Static with nothing in it: its own rules fail at spec.forecast.static, outside every
    // path that is checked under it, and nothing there conflicts with a candidate put in.
    forecast: { provider: 'Static', static: {} },
  },
};

const workloadHost: FactoryWorkload = {
  apiVersion: 'westward.io/v1alpha1',
  kind: 'FactoryWorkload',
  metadata: { name: 'host', namespace: 'plant' },
  spec: { targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'host' }, factory: { region: 'a' }, latencyBudgetMs: 10, powerPerReplicaW: 100 },
};

const generation = fc.option(fc.integer({ min: 1, max: 50 }), { nil: undefined });

const labels = fc.dictionary(fc.constantFrom(...vocabulary), fc.constantFrom(...vocabulary), { maxKeys: 3 });

const hubMetadata = fc.record(
  { name: dnsLabel(63, vocabulary), labels, generation, resourceVersion: fc.integer({ min: 1, max: 1e6 }).map(String) },
  { requiredKeys: ['name'] },
);

const workloadMetadata = fc
  .tuple(
    fc.record(
      { name: dnsLabel(63, vocabulary), namespace: fc.constantFrom(...namespaces), generation, resourceVersion: fc.integer({ min: 1, max: 1e6 }).map(String) },
      { requiredKeys: ['name', 'namespace'] },
    ),
    fc.integer({ min: 0, max: 9 }),
  )
  // One in ten is being deleted.
  .map(([meta, dice]) => (dice === 0 ? { ...meta, deletionTimestamp: '2026-12-01T00:00:00Z' } : meta));

export const hubArbitrary: fc.Arbitrary<Hub> = schemaArbitrary(hubSchema, {
  vocabulary,
  maxItems: 3,
  // Static points are refused most (start before end, no overlap): two are enough to overlap.
  maxItemsAt: { 'spec.forecast.static.points': 2 },
  celFilter: celFilter(hubHost, validateHub),
  overrides: { apiVersion: fc.constant('westward.io/v1alpha1'), kind: fc.constant('Hub'), metadata: hubMetadata },
})
  .map((h) => withHubDefaults(h as Hub))
  .filter((h) => validateHub(h).length === 0);

export const workloadArbitrary: fc.Arbitrary<FactoryWorkload> = schemaArbitrary(factoryWorkloadSchema, {
  vocabulary,
  maxItems: 3,
  celFilter: celFilter(workloadHost, validateFactoryWorkload),
  overrides: { apiVersion: fc.constant('westward.io/v1alpha1'), kind: fc.constant('FactoryWorkload'), metadata: workloadMetadata },
})
  .map((w) => withFactoryWorkloadDefaults(w as FactoryWorkload))
  .filter((w) => validateFactoryWorkload(w).length === 0);

// Quantities as the API server returns them (already valid there).
const cpu = fc.constantFrom('0', '100m', '500m', '1', '2', '4', '1500m');
const memory = fc.constantFrom('0', '128Mi', '1Gi', '4Gi', '16Gi', '1G');
const gpu = fc.constantFrom('0', '1', '2');

const requests = fc.record({ cpu, memory, 'nvidia.com/gpu': gpu }, { requiredKeys: [] });

function targetArbitrary(fw: FactoryWorkload): fc.Arbitrary<Target> {
  const app = fw.spec.targetRef.name;
  return fc
    .record({
      replicas: fc.option(fc.integer({ min: 0, max: 6 }), { nil: undefined }),
      containers: fc.array(fc.record({ name: fc.constant('c'), resources: fc.record({ requests }, { requiredKeys: [] }) }, { requiredKeys: ['name'] }), { maxLength: 2 }),
      generation: fc.integer({ min: 1, max: 20 }),
      status: fc.record(
        {
          observedGeneration: fc.integer({ min: 0, max: 20 }),
          replicas: fc.integer({ min: 0, max: 6 }),
          updatedReplicas: fc.integer({ min: 0, max: 6 }),
          availableReplicas: fc.integer({ min: 0, max: 6 }),
          readyReplicas: fc.integer({ min: 0, max: 6 }),
          currentRevision: fc.constantFrom('r1', 'r2'),
          updateRevision: fc.constantFrom('r1', 'r2'),
        },
        { requiredKeys: [] },
      ),
      affinity: fc.boolean(),
    })
    .map((t) => ({
      apiVersion: 'apps/v1',
      kind: fw.spec.targetRef.kind,
      metadata: { name: app, namespace: fw.metadata?.namespace ?? '', generation: t.generation },
      spec: {
        ...(t.replicas === undefined ? {} : { replicas: t.replicas }),
        selector: { matchLabels: { app } },
        template: { metadata: { labels: { app } }, spec: { containers: t.containers } },
      },
      status: t.status,
    }));
}

function nodeArbitrary(hubs: readonly Hub[]): fc.Arbitrary<Node> {
  // Labels that satisfy a hub's selector: its matchLabels, the first value of each In, a value
  // for each Exists (NotIn and DoesNotExist hold without the key).
  const labelsOf = hubs.map((h) => {
    const own: Record<string, string> = { ...(h.spec.nodeSelector.matchLabels ?? {}) };
    for (const e of h.spec.nodeSelector.matchExpressions ?? []) {
      if (e.operator === 'In') own[e.key] = e.values?.[0] ?? '';
      if (e.operator === 'Exists') own[e.key] = 'yes';
    }
    return own;
  });
  return fc
    .record({
      name: dnsLabel(40),
      // Mostly a hub's own labels (so it is in that hub), sometimes vocabulary labels only.
      base: labelsOf.length === 0 ? fc.constant({}) : fc.constantFrom(...labelsOf),
      extra: fc.dictionary(fc.constantFrom(...vocabulary), fc.constantFrom(...vocabulary), { maxKeys: 2 }),
      ready: fc.oneof({ arbitrary: fc.constant('True'), weight: 4 }, { arbitrary: fc.constantFrom('False', 'Unknown'), weight: 1 }),
      unschedulable: fc.integer({ min: 0, max: 4 }).map((i) => i === 0),
      taint: fc.oneof({ arbitrary: fc.constant(undefined), weight: 3 }, { arbitrary: fc.constantFrom('NoSchedule', 'PreferNoSchedule', 'NoExecute'), weight: 1 }),
      allocatable: fc.record({ cpu, memory, 'nvidia.com/gpu': fc.constantFrom('0', '1', '4', '8'), pods: fc.constant('110') }, { requiredKeys: [] }),
    })
    .map((n) => ({
      metadata: { name: n.name, labels: { ...n.extra, ...n.base } },
      spec: { unschedulable: n.unschedulable, ...(n.taint === undefined ? {} : { taints: [{ key: 'k', effect: n.taint }] }) },
      status: { allocatable: n.allocatable, conditions: [{ type: 'Ready', status: n.ready }] },
    }));
}

function podArbitrary(nodes: readonly Node[], apps: readonly string[]): fc.Arbitrary<Pod> {
  return fc
    .record({
      name: dnsLabel(40),
      namespace: fc.constantFrom(...namespaces),
      node: fc.option(fc.constantFrom(...nodes.map((n) => n.metadata?.name ?? ''), 'elsewhere'), { nil: undefined }),
      app: fc.option(fc.constantFrom(...apps, 'other'), { nil: undefined }),
      requests,
      phase: fc.constantFrom('Pending', 'Running', 'Unknown'),
    })
    .map((p): Pod => ({
      metadata: { name: p.name, namespace: p.namespace, labels: p.app === undefined ? {} : { app: p.app } },
      spec: { ...(p.node === undefined ? {} : { nodeName: p.node }), containers: [{ name: 'c', resources: { requests: p.requests } }] },
      status: { phase: p.phase },
    }));
}

const signal = (max: number): fc.Arbitrary<number | null> => fc.option(fc.double({ min: 0, max, noNaN: true }), { nil: null });

/** What the poller may hand out: nothing yet, the declared grid, a live or a last good forecast. */
function forecastArbitrary(nowMs: number): fc.Arbitrary<EffectiveForecast | undefined> {
  const hour = 3_600_000;
  const points = fc
    .tuple(fc.integer({ min: -30, max: 30 }), fc.array(fc.record({ hours: fc.integer({ min: 1, max: 3 }), gap: fc.integer({ min: 0, max: 2 }), ci: signal(2000), share: signal(1), mw: signal(5000), estimated: fc.boolean() }), { maxLength: 30 }))
    .map(([offset, items]) => {
      let t = Math.floor(nowMs / hour) * hour + offset * hour;
      return items.map((p) => {
        const start = t + p.gap * hour;
        t = start + p.hours * hour;
        return { start: new Date(start).toISOString(), end: new Date(t).toISOString(), carbonIntensity: p.ci, renewableShare: p.share, renewableMW: p.mw, estimated: p.estimated };
      });
    });
  const forecast = fc.record({
    provider: fc.constantFrom(...providerNames),
    fetchedAt: fc.integer({ min: nowMs - 10 * hour, max: nowMs }).map((ms) => new Date(ms).toISOString()),
    validUntil: fc.integer({ min: nowMs - hour, max: nowMs + 10 * hour }).map((ms) => new Date(ms).toISOString()),
    points,
  });
  return fc.oneof(
    fc.constant(undefined),
    fc.constant<EffectiveForecast>({ source: 'DeclaredGrid', forecast: null, ageMs: null, message: 'no forecast within maxStaleness' }),
    fc.record({ source: fc.constantFrom('Live' as const, 'LastGood' as const), forecast, ageMs: fc.integer({ min: 0, max: 36_000_000 }), message: fc.constant('forecast') }),
  );
}

/** A world of exactly `hubCount` Hubs and `workloadCount` FactoryWorkloads. */
export function worldArbitrary(hubCount: number, workloadCount: number): fc.Arbitrary<World> {
  const unique = { minLength: hubCount, maxLength: hubCount, selector: (h: Hub) => h.metadata?.name };
  const hubs = fc.uniqueArray(hubArbitrary, unique);
  const workloads = fc.uniqueArray(workloadArbitrary, { minLength: workloadCount, maxLength: workloadCount, selector: (w) => `${w.metadata?.namespace ?? ''}/${w.metadata?.name ?? ''}` });
  const nowMs = fc.integer({ min: Date.UTC(2026, 10, 1), max: Date.UTC(2027, 0, 1) });
  // Factories mostly in a region some hub declares a round trip from, so that budgets, selectors
  // and capacity are what decides (region keeps its schema: the same pattern as network[].from).
  const regionPick = fc.array(fc.option(fc.nat(), { freq: 4, nil: undefined }), { minLength: workloadCount, maxLength: workloadCount });
  return fc.tuple(hubs, workloads, nowMs, regionPick).chain(([hubList, generated, now, picks]) => {
    const regions = hubList.flatMap((h) => (h.spec.network ?? []).map((n) => n.from));
    const workloadList = generated.map((fw, i) => {
      const pick = picks[i];
      if (pick === undefined || regions.length === 0) return fw;
      return { ...fw, spec: { ...fw.spec, factory: { ...fw.spec.factory, region: regions[pick % regions.length] ?? fw.spec.factory.region } } };
    });
    const targets = fc.tuple(...workloadList.map((fw) => fc.option(targetArbitrary(fw), { nil: undefined, freq: 6 })));
    const nodes = fc.uniqueArray(nodeArbitrary(hubList), { maxLength: 8, selector: (n) => n.metadata?.name });
    return fc.tuple(targets, nodes, fc.tuple(...hubList.map(() => forecastArbitrary(now))), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 3 }), fc.subarray(workloadList)).chain(
      ([targetList, nodeList, forecastList, maxMoves, maxPerHub, pending]) =>
        fc.array(podArbitrary(nodeList, workloadList.map((w) => w.spec.targetRef.name)), { maxLength: 6 }).map((pods) => {
          const targetMap = new Map<string, Target>();
          workloadList.forEach((fw, i) => {
            const t = targetList[i];
            // Two workloads may name the same target; the first one's stands.
            const key = `${fw.metadata?.namespace ?? ''}/${fw.spec.targetRef.kind}/${fw.spec.targetRef.name}`;
            if (t !== undefined && !targetMap.has(key)) targetMap.set(key, t);
          });
          const forecasts = new Map<string, EffectiveForecast>();
          hubList.forEach((h, i) => {
            const f = forecastList[i];
            if (f !== undefined) forecasts.set(h.metadata?.name ?? '', f);
          });
          return {
            nowMs: now,
            hubs: hubList,
            workloads: workloadList,
            targets: targetMap,
            nodes: nodeList,
            pods,
            forecasts,
            limits: { maxConcurrentMoves: maxMoves, maxConcurrentMovesPerHub: maxPerHub },
            pendingRollouts: new Set(pending.map((w) => `${w.metadata?.namespace ?? ''}/${w.metadata?.name ?? ''}`)),
          };
        }),
    );
  });
}

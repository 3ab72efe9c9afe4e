// Prometheus metrics: one Registry per process (or per test), metric names checked against the
// project convention westward_<subsystem>_<name>_<unit>, and helpers that create a metric once
// per registry and remove an object's series when the object goes.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { buildInfo } from './build-info.ts';

export { Registry };

/**
 * Creates a registry; `processMetrics` adds the standard process_* and nodejs_* series and
 * `westward_build_info`.
 */
export function createRegistry(options: { processMetrics?: boolean } = {}): Registry {
  const registry = new Registry();
  if (options.processMetrics === true) {
    collectDefaultMetrics({ register: registry });
    gauge(registry, {
      name: 'westward_build_info',
      help: 'Always 1; the labels say which build runs',
      labelNames: ['version', 'revision', 'node_version'] as const,
    }).set(buildInfo(), 1);
  }
  return registry;
}

const NAME = /^westward_[a-z][a-z0-9]*(_[a-z0-9]+)+$/;

/** Throws when `name` breaks the convention (prefix, snake case, `_total` only on counters). */
export function checkMetricName(name: string, type: 'counter' | 'gauge' | 'histogram'): void {
  if (!NAME.test(name)) throw new Error(`metric name ${name} does not match westward_<subsystem>_<name>_<unit>`);
  if (type === 'counter' && !name.endsWith('_total')) throw new Error(`counter ${name} must end in _total`);
  if (type !== 'counter' && name.endsWith('_total')) throw new Error(`${type} ${name} must not end in _total`);
}

/**
 * Labels a scrape attaches to every series of a target (the shipped scrape config and a
 * ServiceMonitor both add `namespace` and `pod`; a ServiceMonitor also `service`, `endpoint`,
 * `container`). A metric that used one would arrive renamed `exported_<label>`, so none may.
 */
export const targetLabels: readonly string[] = ['job', 'instance', 'namespace', 'pod', 'service', 'endpoint', 'container'];

/** Throws when a label name would be overwritten by a target label at scrape time. */
export function checkLabelNames(metric: string, labelNames: readonly string[]): void {
  for (const label of labelNames) {
    if (targetLabels.includes(label)) throw new Error(`metric ${metric}: label ${label} is a scrape target label and would arrive as exported_${label}`);
  }
}

interface MetricConfig<L extends string> {
  readonly name: string;
  readonly help: string;
  readonly labelNames?: readonly L[];
}

/** The counter named `config.name` in `registry`, created on first use. */
export function counter<L extends string>(registry: Registry, config: MetricConfig<L>): Counter<L> {
  const existing = registry.getSingleMetric(config.name);
  if (existing instanceof Counter) return existing;
  checkMetricName(config.name, 'counter');
  checkLabelNames(config.name, config.labelNames ?? []);
  return new Counter<L>({ ...config, labelNames: config.labelNames ?? [], registers: [registry] });
}

export function gauge<L extends string>(registry: Registry, config: MetricConfig<L>): Gauge<L> {
  const existing = registry.getSingleMetric(config.name);
  if (existing instanceof Gauge) return existing;
  checkMetricName(config.name, 'gauge');
  checkLabelNames(config.name, config.labelNames ?? []);
  return new Gauge<L>({ ...config, labelNames: config.labelNames ?? [], registers: [registry] });
}

/** Default buckets suit API-bound work: 5 ms to 60 s. */
export const durationBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export function histogram<L extends string>(
  registry: Registry,
  config: MetricConfig<L> & { readonly buckets?: number[] },
): Histogram<L> {
  const existing = registry.getSingleMetric(config.name);
  if (existing instanceof Histogram) return existing;
  checkMetricName(config.name, 'histogram');
  checkLabelNames(config.name, config.labelNames ?? []);
  if (!config.name.endsWith('_seconds')) throw new Error(`histogram ${config.name} should measure _seconds`);
  return new Histogram<L>({
    ...config,
    labelNames: config.labelNames ?? [],
    buckets: config.buckets ?? durationBuckets,
    registers: [registry],
  });
}

/**
 * Removes every series, in every metric of `registry`, whose labels include all of `match`
 * (e.g. `{ workload_namespace: 'plant-a', workload: 'vision' }` when that FactoryWorkload is
 * deleted), so per-object series do not outlive their object. Returns how many series were
 * removed.
 */
export async function removeSeries(registry: Registry, match: Readonly<Record<string, string>>): Promise<number> {
  const wanted = Object.entries(match);
  let removed = 0;
  for (const snapshot of await registry.getMetricsAsJSON()) {
    const metric = registry.getSingleMetric(snapshot.name);
    if (metric === undefined) continue;
    const seen = new Set<string>();
    for (const value of snapshot.values) {
      // Histogram buckets carry an extra `le`; the series is identified without it.
      const { le: _le, ...labels } = value.labels as Record<string, string | number>;
      if (!wanted.every(([k, v]) => labels[k] === v)) continue;
      const id = JSON.stringify(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)));
      if (seen.has(id)) continue;
      seen.add(id);
      (metric as unknown as { remove(labels: Record<string, string | number>): void }).remove(labels);
      removed++;
    }
  }
  return removed;
}

// Prometheus metrics: one Registry per process (or per test), metric names checked against the
// project convention westward_<subsystem>_<name>_<unit>, and helpers that create a metric once
// per registry and remove an object's series when the object goes.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export { Registry };

/** Creates a registry; `processMetrics` adds the standard process_* and nodejs_* series. */
export function createRegistry(options: { processMetrics?: boolean } = {}): Registry {
  const registry = new Registry();
  if (options.processMetrics === true) collectDefaultMetrics({ register: registry });
  return registry;
}

const NAME = /^westward_[a-z][a-z0-9]*(_[a-z0-9]+)+$/;

/** Throws when `name` breaks the convention (prefix, snake case, `_total` only on counters). */
export function checkMetricName(name: string, type: 'counter' | 'gauge' | 'histogram'): void {
  if (!NAME.test(name)) throw new Error(`metric name ${name} does not match westward_<subsystem>_<name>_<unit>`);
  if (type === 'counter' && !name.endsWith('_total')) throw new Error(`counter ${name} must end in _total`);
  if (type !== 'counter' && name.endsWith('_total')) throw new Error(`${type} ${name} must not end in _total`);
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
  return new Counter<L>({ ...config, labelNames: config.labelNames ?? [], registers: [registry] });
}

export function gauge<L extends string>(registry: Registry, config: MetricConfig<L>): Gauge<L> {
  const existing = registry.getSingleMetric(config.name);
  if (existing instanceof Gauge) return existing;
  checkMetricName(config.name, 'gauge');
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
 * (e.g. `{ namespace: 'plant-a', name: 'vision' }` when that FactoryWorkload is deleted), so
 * per-object series do not outlive their object. Returns how many series were removed.
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

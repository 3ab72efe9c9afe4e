import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, parseLevel } from '../../../src/observability/logger.ts';
import { buildInfo } from '../../../src/observability/build-info.ts';
import { checkLabelNames, checkMetricName, counter, createRegistry, gauge, histogram, removeSeries } from '../../../src/observability/metrics.ts';
import { startObservabilityServer } from '../../../src/observability/server.ts';
import { reportLeadingWithoutElection } from '../../../src/runtime/leader.ts';

describe('metric names', () => {
  it.each([
    ['westward_controller_reconcile_total', 'counter', true],
    ['westward_controller_reconcile', 'counter', false],
    ['westward_forecast_fetch_duration_seconds', 'histogram', true],
    ['westward_hub_renewable_share_ratio', 'gauge', true],
    ['westward_hub_total', 'gauge', false],
    ['hub_renewable_share_ratio', 'gauge', false],
    ['westward_Hub_share', 'gauge', false],
  ] as const)('%s as %s: valid=%s', (name, type, valid) => {
    const check = (): void => {
      checkMetricName(name, type);
    };
    if (valid) expect(check).not.toThrow();
    else expect(check).toThrow();
  });

  it('returns the same metric for the same name in one registry, separate ones across registries', () => {
    const r1 = createRegistry();
    const r2 = createRegistry();
    const cfg = { name: 'westward_test_things_total', help: 'h', labelNames: ['a'] as const };
    expect(counter(r1, cfg)).toBe(counter(r1, cfg));
    expect(counter(r2, cfg)).not.toBe(counter(r1, cfg));
    expect(() => histogram(r1, { name: 'westward_test_latency_ms', help: 'h' })).toThrow(/_seconds/);
  });

  it('removes the series of one object from every metric, leaving others', async () => {
    const r = createRegistry();
    const g = gauge(r, { name: 'westward_workload_expected_renewable_ratio', help: 'h', labelNames: ['workload_namespace', 'workload'] });
    const h = histogram(r, { name: 'westward_workload_plan_duration_seconds', help: 'h', labelNames: ['workload_namespace', 'workload'] });
    g.set({ workload_namespace: 'a', workload: 'x' }, 0.5);
    g.set({ workload_namespace: 'a', workload: 'y' }, 0.7);
    h.observe({ workload_namespace: 'a', workload: 'x' }, 0.2);
    h.observe({ workload_namespace: 'a', workload: 'y' }, 0.2);
    const removed = await removeSeries(r, { workload_namespace: 'a', workload: 'x' });
    expect(removed).toBe(2);
    const text = await r.metrics();
    expect(text).not.toMatch(/workload="x"/);
    expect(text).toMatch(/westward_workload_expected_renewable_ratio\{workload_namespace="a",workload="y"\} 0.7/);
    expect(text).toMatch(/westward_workload_plan_duration_seconds_count\{workload_namespace="a",workload="y"\} 1/);
  });
});

describe('label names', () => {
  it.each(['job', 'instance', 'namespace', 'pod', 'service', 'endpoint', 'container'])(
    'refuses %s, which a scrape sets on every series of the target',
    (label) => {
      expect(() => gauge(createRegistry(), { name: 'westward_test_things', help: 'h', labelNames: [label] })).toThrow(`label ${label} is a scrape target label`);
      expect(() => { checkLabelNames('westward_test_things', [label]); }).toThrow(`exported_${label}`);
    },
  );

  it('accepts the labels the operator uses', () => {
    expect(() => {
      checkLabelNames('westward_test_things', ['hub', 'workload_namespace', 'workload', 'controller', 'result', 'lease', 'source']);
    }).not.toThrow();
  });
});

describe('build info and leader status', () => {
  it('an operator registry says which build runs, always 1', async () => {
    const text = await createRegistry({ processMetrics: true }).metrics();
    const version = (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
    const line = new RegExp(`^westward_build_info\\{version="${version.replace(/\./g, '\\.')}",revision="[^"]+",node_version="${process.version.replace(/\./g, '\\.')}"\\} 1$`, 'm');
    expect(text).toMatch(line);
    expect(await createRegistry().metrics()).not.toContain('westward_build_info');
  });

  it('takes the revision from WESTWARD_REVISION', () => {
    expect(buildInfo({ WESTWARD_REVISION: ' 7e1d9bf ' }).revision).toBe('7e1d9bf');
    expect(buildInfo({ WESTWARD_REVISION: '' }).revision).toBe('unknown');
  });

  it('a process without leader election reports itself leader on the lease metric', async () => {
    const registry = createRegistry();
    reportLeadingWithoutElection(registry);
    expect(await registry.metrics()).toMatch(/^westward_leader_election_is_leader\{lease=""\} 1$/m);
  });
});

describe('logger', () => {
  it('writes JSON lines with level names, the message and key/values', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        lines.push(chunk.toString());
        cb();
      },
    });
    const log = createLogger({ level: 'info', name: 'westward', destination: sink });
    log.debug({ key: 'a/b' }, 'Hidden');
    log.info({ kind: 'Deployment', namespace: 'plant-a', name: 'vision' }, 'Patched Deployment');
    expect(lines).toHaveLength(1);
    const entry = JSON.parse(lines[0] ?? '{}') as Record<string, unknown>;
    expect(entry).toMatchObject({ level: 'info', msg: 'Patched Deployment', kind: 'Deployment', namespace: 'plant-a', name: 'vision', logger: 'westward' });
    expect(typeof entry.time).toBe('string');
  });

  it('parses levels leniently', () => {
    expect(parseLevel('DEBUG')).toBe('debug');
    expect(parseLevel('loud')).toBe('info');
    expect(parseLevel(undefined, 'warn')).toBe('warn');
  });
});

describe('observability server', () => {
  it('serves /metrics, /healthz and /readyz with injected checks over HTTP', async () => {
    const registry = createRegistry();
    counter(registry, { name: 'westward_test_scrapes_total', help: 'h' }).inc(3);
    let ready = false;
    const server = await startObservabilityServer({ registry, port: 0, host: '127.0.0.1', readiness: { informers: () => ready } });
    try {
      const metrics = await fetch(`${server.url}/metrics`);
      expect(metrics.status).toBe(200);
      expect(metrics.headers.get('content-type')).toMatch(/text\/plain/);
      expect(await metrics.text()).toMatch(/^westward_test_scrapes_total 3$/m);

      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
      const notReady = await fetch(`${server.url}/readyz`);
      expect(notReady.status).toBe(503);
      expect(await notReady.text()).toMatch(/\[-\]informers failed/);
      ready = true;
      const okay = await fetch(`${server.url}/readyz?verbose`);
      expect(okay.status).toBe(200);
      expect(await okay.text()).toMatch(/\[\+\]informers ok\nok/);
      server.addReadinessCheck('leader', () => {
        throw new Error('no');
      });
      expect((await fetch(`${server.url}/readyz`)).status).toBe(503);
      expect((await fetch(`${server.url}/nope`)).status).toBe(404);
    } finally {
      await server.close();
    }
  });
});

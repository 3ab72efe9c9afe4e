// A real Prometheus (Debian's package) scraping the operator's /metrics on loopback.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { eventually } from './kube.ts';

export interface Sample {
  labels: Record<string, string>;
  value: number;
}

export interface PrometheusProcess {
  url: string;
  /** the value of an instant query's first sample, or undefined */
  query: (promql: string) => Promise<number | undefined>;
  /** every sample of an instant query; throws with Prometheus' message on a bad query */
  samples: (promql: string) => Promise<Sample[]>;
  stop: () => Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('no port'));
      });
    });
  });
}

/** A Prometheus scraping one target directly, every second. */
export async function startPrometheus(metricsUrl: string): Promise<PrometheusProcess> {
  const target = new URL(metricsUrl);
  return startPrometheusWith({
    'prometheus.yml': [
      'global: {scrape_interval: 1s, evaluation_interval: 1s}',
      'scrape_configs:',
      '  - job_name: westward',
      '    metrics_path: /metrics',
      `    static_configs: [{targets: ["${target.host}"]}]`,
      '',
    ].join('\n'),
  });
}

/**
 * A Prometheus run on `files` written into its own directory: `prometheus.yml` is its
 * configuration, which may name the other files (rule files, a kubeconfig) relative to it.
 */
export async function startPrometheusWith(files: Record<string, string>): Promise<PrometheusProcess> {
  const dir = mkdtempSync(path.join(tmpdir(), 'westward-prometheus-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  const port = await freePort();
  const child = spawn(
    'prometheus',
    [`--config.file=${path.join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${path.join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`],
    { stdio: 'ignore', cwd: dir },
  );
  const url = `http://127.0.0.1:${port}`;
  await eventually('Prometheus ready', async () => ((await fetch(`${url}/-/ready`)).ok ? true : undefined), { timeoutMs: 30_000 });
  const samples = async (promql: string): Promise<Sample[]> => {
    const response = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(promql)}`);
    const body = (await response.json()) as { status: string; error?: string; data?: { result?: { metric: Record<string, string>; value: [number, string] }[] } };
    if (body.status !== 'success') throw new Error(`Prometheus refused ${promql}: ${body.error ?? response.statusText}`);
    return (body.data?.result ?? []).map((r) => ({ labels: r.metric, value: Number(r.value[1]) }));
  };
  return {
    url,
    query: async (promql) => (await samples(promql))[0]?.value,
    samples,
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

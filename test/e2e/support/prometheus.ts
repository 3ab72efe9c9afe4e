// A real Prometheus (Debian's package) scraping the operator's /metrics on loopback.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { eventually } from './kube.ts';

export interface PrometheusProcess {
  url: string;
  /** the value of an instant query's first sample, or undefined */
  query: (promql: string) => Promise<number | undefined>;
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

export async function startPrometheus(metricsUrl: string): Promise<PrometheusProcess> {
  const target = new URL(metricsUrl);
  const dir = mkdtempSync(path.join(tmpdir(), 'westward-prometheus-'));
  const config = path.join(dir, 'prometheus.yml');
  writeFileSync(
    config,
    [
      'global: {scrape_interval: 1s, evaluation_interval: 1s}',
      'scrape_configs:',
      '  - job_name: westward',
      '    metrics_path: /metrics',
      `    static_configs: [{targets: ["${target.host}"]}]`,
      '',
    ].join('\n'),
  );
  const port = await freePort();
  const child = spawn(
    'prometheus',
    [`--config.file=${config}`, `--storage.tsdb.path=${path.join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`],
    { stdio: 'ignore' },
  );
  const url = `http://127.0.0.1:${port}`;
  await eventually('Prometheus ready', async () => ((await fetch(`${url}/-/ready`)).ok ? true : undefined), { timeoutMs: 30_000 });
  return {
    url,
    query: async (promql) => {
      const response = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(promql)}`);
      const body = (await response.json()) as { data?: { result?: { value?: [number, string] }[] } };
      const value = body.data?.result?.[0]?.value?.[1];
      return value === undefined ? undefined : Number(value);
    },
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

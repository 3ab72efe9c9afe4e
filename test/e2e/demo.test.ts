// `npm run demo` end to end: the demo runs on the e2e cluster (reused, so it must leave it up),
// with its own forecast server and operator, for 90 s at 5 s per simulated hour. Checked from its
// own screen output and from the cluster.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FactoryWorkload, Hub } from '../../src/api/index.ts';
import { sampleObjects } from '../demo/cluster.ts';
import type { SampleObject } from '../demo/manifests.ts';
import { kubectl, kubectlOk } from './support/kube.ts';

const root = path.resolve(import.meta.dirname, '../..');
const frameSeparator = '─'.repeat(100);

let samples: SampleObject[] = [];
const names = (kind: string): string[] => samples.filter((o) => o.kind === kind).map((o) => o.metadata.name);

/** What the demo applied, removed so other test files see a clean cluster. */
async function deleteSamples(): Promise<void> {
  const namespaces = names('Namespace');
  // The operator has stopped with the demo, so nothing would remove its finalizers.
  for (const namespace of namespaces) {
    const fws = await kubectl(['get', 'fw', '-n', namespace, '-o', 'name']);
    for (const fw of fws.stdout.split('\n').filter((l) => l !== '')) {
      await kubectl(['patch', '-n', namespace, fw, '--type=merge', '-p', '{"metadata":{"finalizers":null}}']);
    }
  }
  if (namespaces.length > 0) await kubectl(['delete', 'namespace', ...namespaces, '--ignore-not-found', '--timeout=120s']);
  const hubs = names('Hub');
  if (hubs.length > 0) await kubectl(['delete', 'hub', ...hubs, '--ignore-not-found']);
  const nodes = names('Node');
  if (nodes.length > 0) await kubectl(['delete', 'node', ...nodes, '--ignore-not-found']);
}

interface DemoRun {
  code: number | null;
  stdout: string;
}

function runDemo(args: string[], timeoutMs: number): Promise<DemoRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(root, 'test/demo/demo.ts'), ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGINT'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout });
    });
  });
}

function condition(conditions: { type: string; status: string }[] | undefined, type: string): string | undefined {
  return conditions?.find((c) => c.type === type)?.status;
}

describe('npm run demo', () => {
  let run: DemoRun;
  let lastFrame = '';

  beforeAll(async () => {
    samples = await sampleObjects(root);
    await deleteSamples();
    run = await runDemo(['--duration', '90', '--hour-seconds', '5'], 170_000);
    // Kept for a look after a failed run, beside the operator's log.
    mkdirSync(path.join(root, '.cluster', 'logs'), { recursive: true });
    writeFileSync(path.join(root, '.cluster', 'logs', 'demo-e2e.out'), run.stdout);
    const frames = run.stdout.split(frameSeparator);
    lastFrame = frames.length > 1 ? (frames[frames.length - 2] ?? '') : '';
  }, 240_000);

  afterAll(async () => {
    await deleteSamples();
  }, 180_000);

  it('runs for its duration, exits 0, and leaves the cluster it reused running', async () => {
    expect(run.code, run.stdout.slice(-3000)).toBe(0);
    expect(run.stdout).toContain('reusing the running control plane');
    expect(run.stdout).toContain('left the control plane it found running');
    expect(run.stdout).not.toContain('[demo] failed');
    expect((await kubectl(['get', '--raw', '/readyz'])).code).toBe(0);
    // The screen said what is synthetic, and redrew many times (one frame every 2 s over 90 s).
    expect(run.stdout).toContain('SYNTHETIC');
    expect(run.stdout.split(frameSeparator).length).toBeGreaterThan(20);
  });

  it('shows forecast-based renewable shares: the weather hubs polled the local server and are fresh', async () => {
    const hubs = JSON.parse(await kubectlOk(['get', 'hubs', '-o', 'json'])) as { items: Hub[] };
    const weatherHubs = samples.filter((o) => o.kind === 'Hub' && (o.spec?.forecast as { provider?: string } | undefined)?.provider === 'OpenMeteo');
    expect(weatherHubs.length).toBe(7);
    for (const sample of weatherHubs) {
      const hub = hubs.items.find((h) => h.metadata?.name === sample.metadata.name);
      expect(hub?.spec.forecast.url ?? '', sample.metadata.name).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(condition(hub?.status?.conditions, 'ForecastFresh'), sample.metadata.name).toBe('True');
      expect(hub?.status?.forecast?.provider).toBe('OpenMeteo');
      // A day of weather: hourly points whose modelled share is not one flat value.
      const points = (hub?.status?.forecast?.points ?? []).map((p) => p.renewableShare ?? -1);
      expect(points.length).toBeGreaterThanOrEqual(24);
      expect(Math.max(...points) - Math.min(...points), sample.metadata.name).toBeGreaterThan(0.1);
      const share = hub?.status?.now?.renewableShare;
      expect(typeof share).toBe('number');
      // The demo's last screen showed the hub with a live OpenMeteo forecast.
      expect(lastFrame).toMatch(new RegExp(`${sample.metadata.name}\\s.*%.*OpenMeteo\\s+live`));
    }
  });

  it('placed every sample FactoryWorkload, and Enforce workloads run only on nodes of their eligible hubs', async () => {
    const fws = JSON.parse(await kubectlOk(['get', 'fw', '-A', '-o', 'json'])) as { items: FactoryWorkload[] };
    const nodes = JSON.parse(await kubectlOk(['get', 'nodes', '-o', 'json'])) as { items: { metadata: { name: string; labels?: Record<string, string> } }[] };
    const hubOfNode = new Map(nodes.items.map((n) => [n.metadata.name, n.metadata.labels?.['westward.io/hub']]));
    const sampleFws = samples.filter((o) => o.kind === 'FactoryWorkload');
    expect(sampleFws.length).toBe(6);
    for (const sample of sampleFws) {
      const key = `${sample.metadata.namespace ?? ''}/${sample.metadata.name}`;
      const fw = fws.items.find((f) => f.metadata?.namespace === sample.metadata.namespace && f.metadata?.name === sample.metadata.name);
      expect(condition(fw?.status?.conditions, 'Placed'), key).toBe('True');
      expect(fw?.status?.hub, key).toBeTruthy();
      const eligible = fw?.status?.eligibleHubs ?? [];
      expect(eligible, key).toContain(fw?.status?.hub);
      expect(fw?.spec.placement?.minDwell).toBe('30s');
      if (fw?.spec.placement?.mode === 'Shadow') continue;
      const deployment = JSON.parse(await kubectlOk(['get', 'deployment', '-n', sample.metadata.namespace ?? '', fw?.spec.targetRef.name ?? '', '-o', 'json'])) as {
        spec: { selector: { matchLabels: Record<string, string> } };
      };
      const selector = Object.entries(deployment.spec.selector.matchLabels).map(([k, v]) => `${k}=${v}`).join(',');
      const pods = JSON.parse(await kubectlOk(['get', 'pods', '-n', sample.metadata.namespace ?? '', '-l', selector, '-o', 'json'])) as {
        items: { metadata: { name: string; deletionTimestamp?: string }; spec: { nodeName?: string } }[];
      };
      const running = pods.items.filter((p) => p.metadata.deletionTimestamp === undefined && p.spec.nodeName !== undefined);
      expect(running.length, key).toBeGreaterThan(0);
      for (const pod of running) {
        expect(eligible, `${key}: pod ${pod.metadata.name} on ${pod.spec.nodeName ?? ''}`).toContain(hubOfNode.get(pod.spec.nodeName ?? ''));
      }
    }
  });

  it('moved at least one workload, as a Moved event and on the screen', async () => {
    const namespaces = names('Namespace');
    let moved = 0;
    for (const namespace of namespaces) {
      const events = await kubectlOk(['get', 'events', '-n', namespace, '--field-selector', 'reason=Moved', '-o', 'name']);
      moved += events.split('\n').filter((l) => l !== '').length;
    }
    expect(moved).toBeGreaterThanOrEqual(1);
    const shown = /Moved events since the demo started: (\d+)/.exec(lastFrame);
    expect(Number(shown?.[1] ?? 0)).toBeGreaterThanOrEqual(1);
    expect(lastFrame).toMatch(/moved \S+ → \S+ \(/);
  });
});

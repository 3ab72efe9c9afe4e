// End to end: the CLI on the sample scenario, its JSON, and its HTML report rendered in
// headless Chromium (Debian's `chromium`; CI must install it).
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const metricKeys = ['emissionsKg', 'renewableShare', 'moves', 'movesPerWorkloadPerDay', 'latencyViolations', 'capacityViolations', 'pendingReplicaHours'];

let dir: string;
let stdout: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'westward-simulate-'));
  const result = await run(process.execPath, ['src/cli/main.ts', 'simulate', '-f', 'config/samples/', '--forecast-error', '10%', '--json', join(dir, 'out.json'), '--html', join(dir, 'out.html')], { maxBuffer: 1 << 24 });
  stdout = result.stdout;
}, 120_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('westward simulate on the sample scenario', () => {
  it('prints a table with every policy', () => {
    for (const name of ['westward', 'nearest', 'round-robin', 'greedy-current', 'oracle']) expect(stdout).toMatch(new RegExp(`^${name}\\s`, 'm'));
    expect(stdout).toMatch(/gapClosed/);
  });

  it('writes JSON of exactly the agreed shape', async () => {
    const document = JSON.parse(await readFile(join(dir, 'out.json'), 'utf8')) as { policies: Record<string, Record<string, unknown>>; gapClosed: unknown };
    expect(Object.keys(document).sort()).toEqual(['gapClosed', 'policies']);
    expect(Object.keys(document.policies).sort()).toEqual(['greedy-current', 'nearest', 'oracle', 'round-robin', 'westward']);
    for (const metrics of Object.values(document.policies)) {
      expect(Object.keys(metrics).sort()).toEqual([...metricKeys].sort());
      for (const value of Object.values(metrics)) expect(Number.isFinite(value)).toBe(true);
      expect(metrics.renewableShare as number).toBeGreaterThanOrEqual(0);
      expect(metrics.renewableShare as number).toBeLessThanOrEqual(1);
    }
    expect(typeof document.gapClosed).toBe('number');
    const kg = (name: string): number => document.policies[name]?.emissionsKg as number;
    // the oracle is a lower bound for every policy that places all replicas
    for (const name of ['westward', 'nearest']) expect(kg('oracle')).toBeLessThanOrEqual(kg(name) + 1e-6);
    expect(document.gapClosed).toBeCloseTo((kg('nearest') - kg('westward')) / (kg('nearest') - kg('oracle')), 9);
    expect(document.policies.westward?.latencyViolations).toBe(0);
    expect(document.policies.westward?.capacityViolations).toBe(0);
  });

  it('rejects a bad option with a clear message', async () => {
    await expect(run(process.execPath, ['src/cli/main.ts', 'simulate', '-f', 'config/samples/', '--forecast-error', 'lots'])).rejects.toThrow(/invalid --forecast-error "lots"/);
  }, 60_000);
});

async function findChromium(): Promise<string> {
  for (const name of ['chromium', 'chromium-browser']) {
    try {
      const { stdout: path } = await run('sh', ['-c', `command -v ${name}`]);
      if (path.trim() !== '') return path.trim();
    } catch {
      // try the next name
    }
  }
  throw new Error('chromium is not installed: the HTML report test needs it (apt-get install -y chromium)');
}

describe('the HTML report in headless Chromium', () => {
  it('renders, with data in every chart', async () => {
    const chromium = await findChromium();
    const profile = join(dir, 'profile');
    const flags = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', `--user-data-dir=${profile}`];
    const page = `file://${join(dir, 'out.html')}`;
    const { stdout: dom } = await run(chromium, [...flags, '--dump-dom', page], { maxBuffer: 1 << 26, timeout: 60_000 });
    const sections = ['signals', 'renewables', 'placement', 'emissions'];
    for (const id of sections) expect(dom).toContain(`<section id="${id}">`);
    const series = [...dom.matchAll(/<path class="series" data-series="([^"]+)" data-points="(\d+)" d="([^"]*)"/g)];
    // 8 hubs' intensity, 8 hubs' renewable output, 5 policies' cumulative emissions
    expect(series).toHaveLength(8 + 8 + 5);
    for (const [, name, points, d] of series) {
      expect(Number(points), name).toBeGreaterThan(100);
      expect((d ?? '').match(/[ML]/g)?.length, name).toBe(Number(points));
    }
    const placements = [...dom.matchAll(/<rect class="placement" data-workload="([^"]+)"/g)].map((m) => m[1]);
    expect(new Set(placements).size).toBe(6);
    await run(chromium, [...flags, '--window-size=1000,1600', `--screenshot=${join(dir, 'shot.png')}`, page], { timeout: 60_000 });
    expect((await stat(join(dir, 'shot.png'))).size).toBeGreaterThan(20_000);
  }, 180_000);
});

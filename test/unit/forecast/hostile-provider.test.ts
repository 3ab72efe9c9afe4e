// A provider that answers too much, nothing, or nonsense, over real HTTP: the body is cut off at
// the cap without the process holding it, and the operator's poller keeps the last good forecast
// and shows the failure (ForecastFresh message, the fetches metric, a log line).
import { Writable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { KubeConfig } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Hub } from '../../../src/api/index.ts';
import { HubForecasts } from '../../../src/controllers/hub/forecasts.ts';
import { ForecastError } from '../../../src/forecast/errors.ts';
import { defaultMaxResponseBytes } from '../../../src/forecast/http.ts';
import { createForecastSource } from '../../../src/forecast/source.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import { createRegistry } from '../../../src/observability/metrics.ts';
import { fixture, hub } from './helpers.ts';
import { json, startServer, type TestServer } from './server.ts';

const MiB = 1024 * 1024;
let server: TestServer;

beforeEach(async () => {
  server = await startServer();
});
afterEach(async () => {
  await server.close();
});

/**
 * Streams `total` bytes of a JSON-looking body with back-pressure and counts what the client
 * took before it hung up (what was handed to the socket, so kernel buffers count as sent).
 */
function serveHuge(path: string, total: number, headers: Record<string, string> = {}): { sent: () => number; closed: Promise<void> } {
  let sent = 0;
  let resolveClosed: () => void = () => undefined;
  const closed = new Promise<void>((resolve) => { resolveClosed = resolve; });
  server.route(path, (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', ...headers });
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    res.on('close', resolveClosed);
    const pump = (): void => {
      while (sent < total && !res.destroyed) {
        sent += chunk.length;
        if (!res.write(chunk)) {
          res.once('drain', pump);
          return;
        }
      }
      if (sent >= total) res.end();
    };
    res.write('{"data":{"regionid":3,"data":[');
    pump();
  });
  return { sent: () => sent, closed };
}

const ukPath = '/regional/intensity/2026-11-29T10:00Z/fw48h/regionid/3';
const clock = Date.UTC(2026, 10, 29, 10, 0);
const ukHub = () => hub({}, { provider: 'UKCarbonIntensity', url: server.url, zone: '3' });
const fetchOnce = () => createForecastSource({ now: () => clock, sleep: () => Promise.resolve(), random: () => 0.5, retries: 0 });

function errorOf(result: unknown): ForecastError {
  if (!(result instanceof ForecastError)) throw new Error(`expected a ForecastError, got ${JSON.stringify(result)}`);
  return result;
}

describe('the response size cap', () => {
  it('a 200 MB body is refused as TooLarge after about the cap, without the memory to hold it', async () => {
    const huge = serveHuge(ukPath, 200 * MiB);
    global.gc?.();
    const before = process.memoryUsage();
    const e = errorOf((await fetchOnce()([ukHub()])).get('gansu-qingyang'));
    await huge.closed;
    const after = process.memoryUsage();
    expect(e.kind).toBe('TooLarge');
    expect(e.message).toMatch(/^UKCarbonIntensity http:\/\/127\.0\.0\.1:\d+\/regional\/intensity\/.*: response body is larger than 4194304 bytes/);
    // The client stopped reading at the cap; socket buffers on both ends hold a few MB more.
    expect(huge.sent()).toBeGreaterThan(defaultMaxResponseBytes);
    expect(huge.sent()).toBeLessThan(defaultMaxResponseBytes + 16 * MiB);
    // A safety bound, far below the 200 MB the body would take (and twice that as a string).
    expect(after.rss - before.rss).toBeLessThan(100 * MiB);
  });

  it('a declared Content-Length above the cap is refused before the body is read', async () => {
    const huge = serveHuge(ukPath, 200 * MiB, { 'content-length': String(200 * MiB + 31) });
    const e = errorOf((await fetchOnce()([ukHub()])).get('gansu-qingyang'));
    await huge.closed;
    expect(e.kind).toBe('TooLarge');
    expect(huge.sent()).toBeLessThan(defaultMaxResponseBytes);
  });

  it('a compressed body is counted as it unpacks: a 50 MB gzip bomb is TooLarge', async () => {
    const bomb = gzipSync(Buffer.alloc(50 * MiB, 0x20));
    expect(bomb.length).toBeLessThan(defaultMaxResponseBytes);
    server.route(ukPath, (_req, res) => res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': String(bomb.length) }).end(bomb));
    expect(errorOf((await fetchOnce()([ukHub()])).get('gansu-qingyang')).kind).toBe('TooLarge');
  });

  it('an Open-Meteo batch gets 64 KiB per location above the cap; one location does not', async () => {
    const day = Date.UTC(2026, 5, 1, 3); // the recorded body's day
    const body = fixture('open-meteo-single.json');
    const many = Array.from({ length: 70 }, (_, i) => hub({ hub: `h${i}` }, { provider: 'OpenMeteo', url: server.url }));
    // valid JSON padded with trailing spaces past the 4 MiB cap, under 70 × 64 KiB
    const padded = (text: string) => text + ' '.repeat(defaultMaxResponseBytes + 100 * 1024 - text.length);
    server.route('/v1/forecast', (req, res) => {
      const locations = new URL(req.url ?? '/', server.url).searchParams.get('latitude')?.split(',').length ?? 0;
      res.writeHead(200, { 'content-type': 'application/json' }).end(padded(JSON.stringify(locations === 1 ? body : Array.from({ length: locations }, () => body))));
    });
    const fetch = createForecastSource({ now: () => day, retries: 0 });
    const batch = await fetch(many);
    expect([...batch.values()].every((r) => !(r instanceof ForecastError))).toBe(true);
    expect(errorOf((await fetch([many[0] ?? hub()])).get('h0')).kind).toBe('TooLarge');
  });

  it('a smaller cap set on the client holds', async () => {
    serveHuge('/v1/forecast', 2 * MiB);
    const small = createForecastSource({ now: () => clock, retries: 0, maxResponseBytes: MiB });
    const e = errorOf((await small([hub({}, { provider: 'OpenMeteo', url: server.url })])).get('gansu-qingyang'));
    expect(e.kind).toBe('TooLarge');
    expect(e.message).toContain('larger than 1048576 bytes');
  });
});

// The operator's own poller (src/controllers/hub/forecasts.ts) over real HTTP, with the clock
// moved by the test. No Secret is named, so the Kubernetes client is never called.
describe('the operator keeps the last good forecast through a hostile answer', () => {
  const good = {
    data: {
      regionid: 3,
      shortname: 'North West England',
      data: [0, 1, 2, 3].map((i) => ({
        from: new Date(clock + i * 1_800_000).toISOString(),
        to: new Date(clock + (i + 1) * 1_800_000).toISOString(),
        intensity: { forecast: 100 + i },
        generationmix: [{ fuel: 'wind', perc: 60 }, { fuel: 'gas', perc: 40 }],
      })),
    },
  };
  const allNull = structuredClone(good);
  for (const p of allNull.data.data) (p.intensity as { forecast: number | null }).forecast = null;
  for (const p of allNull.data.data) (p as { generationmix?: unknown }).generationmix = undefined;
  const absurdMix = structuredClone(good);
  for (const p of absurdMix.data.data) p.generationmix = [{ fuel: 'wind', perc: 90 }, { fuel: 'solar', perc: 90 }, { fuel: 'gas', perc: 90 }];
  const absurdIntensity = structuredClone(good);
  if (absurdIntensity.data.data[1] !== undefined) absurdIntensity.data.data[1].intensity.forecast = 1e9;

  function hubObject(url: string): Hub {
    return {
      apiVersion: 'westward.io/v1alpha1',
      kind: 'Hub',
      metadata: { name: 'manchester' },
      spec: {
        location: { latitude: 53.48, longitude: -2.24 },
        nodeSelector: { matchLabels: { hub: 'manchester' } },
        energy: { pue: 1.2, gridCarbonIntensity: 400 },
        forecast: { provider: 'UKCarbonIntensity', url, zone: '3', refreshInterval: '5m', maxStaleness: '3h' },
      },
    };
  }

  it.each([
    ['an oversized body', 'TooLarge', () => { serveHuge(ukPath, 200 * MiB); }],
    ['an all-null series', 'TooFewPoints', () => { server.route(ukPath, (_req, res) => { json(res, 200, allNull); }); }],
    ['a mix adding up to 270 %', 'OutOfRange', () => { server.route(ukPath, (_req, res) => { json(res, 200, absurdMix); }); }],
    ['an intensity of 1e9', 'OutOfRange', () => { server.route(ukPath, (_req, res) => { json(res, 200, absurdIntensity); }); }],
  ])('%s: LastGood with the reason, counted as %s, logged', async (_name, kind, breakProvider) => {
    let now = clock;
    const lines: string[] = [];
    const logger = createLogger({ level: 'info', destination: new Writable({ write: (chunk: Buffer, _enc, done) => { lines.push(chunk.toString()); done(); } }) });
    const registry = createRegistry();
    let polled: () => void = () => undefined;
    const forecasts = new HubForecasts({
      kubeConfig: new KubeConfig(),
      fetch: createForecastSource({ now: () => now, retries: 0 }),
      now: () => now,
      logger,
      registry,
      onPolled: () => { polled(); },
      credentialsNamespaces: ['westward-system'],
      // UK Carbon Intensity takes no credentials: no Secret is read.
      readSecret: () => Promise.reject(new Error('no Secret is read for this provider')),
    });
    const nextPoll = () => new Promise<void>((resolve) => { polled = resolve; });
    const hubs = [hubObject(server.url)];
    try {
      server.route(ukPath, (_req, res) => { json(res, 200, good); });
      let done = nextPoll();
      forecasts.start();
      forecasts.setHubs(hubs);
      await done;
      expect(forecasts.effective('manchester')).toMatchObject({ source: 'Live' });
      const kept = forecasts.effective('manchester')?.forecast;
      expect(kept?.points.map((p) => p.carbonIntensity)).toEqual([100, 101, 102, 103]);

      breakProvider();
      now += 5 * 60_000;
      done = nextPoll();
      forecasts.setHubs(hubs); // reschedules against the moved clock: the hub is due now
      await done;
      const effective = forecasts.effective('manchester');
      expect(effective?.source).toBe('LastGood');
      expect(effective?.forecast).toEqual(kept);
      expect(effective?.message).toContain(`${kind}: `);
      const metrics = await registry.metrics();
      expect(metrics).toContain(`westward_forecast_fetches_total{hub="manchester",provider="UKCarbonIntensity",result="${kind}"} 1`);
      expect(lines.some((l) => l.includes('"msg":"Forecast fetch failed"') && l.includes(`"kind":"${kind}"`))).toBe(true);
    } finally {
      forecasts.stop();
    }
  });
});

// The real operator on the real control plane against a provider that echoes the credentials it
// is sent and one that answers 200 MB: no token appears in anything Westward wrote (Hub status,
// events in every namespace, its log, /metrics), and the operator's memory stays far under the
// chart's limit while the huge answer is refused.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import type { Hub } from '../../src/api/index.ts';
import { defaultMaxResponseBytes } from '../../src/forecast/http.ts';
import { bytes } from '../../src/model/quantity.ts';
import { createNamespace, eventually, kubeConfig, kubectlOk } from './support/kube.ts';
import { startOperator, type OperatorProcess } from './support/operator.ts';
import { applyCrds, getHub } from './support/scenario.ts';

const MiB = 1024 * 1024;
const capBytes = defaultMaxResponseBytes;
/** The memory limit the chart gives the operator's container. */
const chartMemoryLimit = bytes((parseYaml(readFileSync(path.join(import.meta.dirname, '../../charts/westward/values.yaml'), 'utf8')) as { resources: { limits: { memory: string } } }).resources.limits.memory);
const hourMs = 3_600_000;

// A short token (the length that used to leak) of letters no UID, hash or timestamp has, and a long one.
const shortToken = 'wq7';
const longToken = 'em-token-7f3c9a1b2d4e6f8091a2b3c4d5e6f708';
const tokens = [shortToken, longToken];

type Mode = 'good' | 'echo401' | 'echo503' | 'echoInBody';

/** Electricity Maps look-alike whose answer per zone the test sets; failures quote the token. */
async function startEchoServer() {
  const modes = new Map<string, Mode>();
  const received = new Set<string>();
  let hugeSent = 0;
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname.startsWith('/regional/')) {
      serveHuge(res);
      return;
    }
    const token = String(req.headers['auth-token'] ?? '');
    received.add(token);
    const send = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
      res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers }).end(JSON.stringify(body));
    };
    const mode = modes.get(url.searchParams.get('zone') ?? '') ?? 'good';
    const start = Math.floor(Date.now() / hourMs) * hourMs;
    const hours = Array.from({ length: 6 }, (_, i) => new Date(start + i * hourMs).toISOString());
    if (mode === 'echo401') {
      send(401, { message: `Token unauthorized for zoneKey: ${token}` }, { 'www-authenticate': `Bearer error="invalid_token", token="${token}"`, 'x-echo': token });
    } else if (mode === 'echo503') {
      send(503, { detail: `upstream refused auth-token=${token}` }, { 'retry-after': '1' });
    } else if (mode === 'echoInBody') {
      send(200, { zone: 'X', forecast: hours.map((datetime) => ({ datetime, carbonIntensity: token })) });
    } else if (url.pathname === '/v3/carbon-intensity/forecast') {
      send(200, { zone: 'X', forecast: hours.map((datetime) => ({ datetime, carbonIntensity: 200 })) });
    } else {
      send(200, { zone: 'X', forecast: hours.map((datetime) => ({ datetime, value: 50, unit: '%' })) });
    }
  };
  // 200 MB with back-pressure, counting what was handed to the socket before the client hung up.
  const serveHuge = (res: ServerResponse): void => {
    res.writeHead(200, { 'content-type': 'application/json' });
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    const pump = (): void => {
      while (!res.destroyed && hugeSent < 200 * MiB) {
        hugeSent += chunk.length;
        if (!res.write(chunk)) {
          res.once('drain', pump);
          return;
        }
      }
      if (!res.destroyed) res.end();
    };
    res.write('{"data":{"regionid":3,"data":[');
    pump();
  };
  const server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    set: (zone: string, mode: Mode) => modes.set(zone, mode),
    received,
    hugeSent: () => hugeSent,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => { resolve(); }); }),
  };
}

/** The operator's process, found by the unique lease name on its command line. */
function memoryOf(leaseId: string): { rss: number; peak: number } {
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    let cmdline: string;
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    if (!cmdline.includes('src/main.ts') || !cmdline.split('\0').includes(leaseId)) continue;
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
    return { rss: kb('VmRSS'), peak: kb('VmHWM') };
  }
  throw new Error(`no operator process with lease ${leaseId}`);
}

const api = { group: 'westward.io', version: 'v1alpha1', plural: 'hubs' };
const kc = kubeConfig();
const core = kc.makeApiClient(CoreV1Api);
const custom = kc.makeApiClient(CustomObjectsApi);
const suffix = Math.random().toString(16).slice(2, 8);
let server: Awaited<ReturnType<typeof startEchoServer>>;
let operator: OperatorProcess | undefined;
let operatorNamespace = '';
const leaseId = `westward-hostile-${suffix}`;
const hubs: string[] = [];

function hubObject(name: string, forecast: Hub['spec']['forecast']): Hub {
  return {
    apiVersion: 'westward.io/v1alpha1',
    kind: 'Hub',
    metadata: { name },
    spec: {
      location: { latitude: 36, longitude: 104 },
      nodeSelector: { matchLabels: { 'westward.io/e2e-hub': name } },
      energy: { pue: 1.2, gridCarbonIntensity: 600 },
      forecast,
    },
  };
}

async function createHub(hub: Hub): Promise<void> {
  await custom.createClusterCustomObject({ ...api, body: hub });
  hubs.push(hub.metadata?.name ?? '');
}

async function freshness(name: string): Promise<{ status: string; reason: string; message: string } | undefined> {
  const c = (await getHub(name)).status?.conditions?.find((x) => x.type === 'ForecastFresh');
  return c === undefined ? undefined : { status: c.status, reason: c.reason, message: c.message };
}

describe('a hostile provider', () => {
  beforeAll(async () => {
    await applyCrds();
    server = await startEchoServer();
    // Credentials are read only from the operator's own namespace: the Secret lives there.
    operatorNamespace = await createNamespace('westward-hostile');
    for (const [i, token] of tokens.entries()) {
      await core.createNamespacedSecret({ namespace: operatorNamespace, body: { metadata: { name: `em-token-${i}` }, stringData: { token } } });
    }
    const previous = process.env.POD_NAMESPACE;
    process.env.POD_NAMESPACE = operatorNamespace;
    try {
      operator = await startOperator({ leaderElect: { namespace: operatorNamespace, id: leaseId } });
    } finally {
      if (previous === undefined) delete process.env.POD_NAMESPACE;
      else process.env.POD_NAMESPACE = previous;
    }
  }, 300_000);

  afterAll(async () => {
    for (const name of hubs) await custom.deleteClusterCustomObject({ ...api, name }).catch(() => undefined);
    await operator?.stop();
    await core.deleteNamespace({ name: operatorNamespace }).catch(() => undefined);
    await server.close();
  }, 120_000);

  it('never shows a credential it sent, short or long, in anything Westward writes', async () => {
    // Per token: one hub refused from the start (401, 503), one that goes Live and then gets its
    // token quoted back in a 200 body (the parser's error would quote it).
    const cases: { hub: string; zone: string; token: number; first: Mode; then?: Mode }[] = [];
    for (const [i] of tokens.entries()) {
      for (const [first, then] of [['echo401'], ['echo503'], ['good', 'echoInBody']] as [Mode, Mode?][]) {
        const zone = `${first}-${then ?? 'x'}-${i}-${suffix}`.toLowerCase();
        cases.push({ hub: zone, zone, token: i, first, ...(then === undefined ? {} : { then }) });
      }
    }
    for (const c of cases) {
      server.set(c.zone, c.first);
      const i = c.token;
      await createHub(hubObject(c.hub, {
        provider: 'ElectricityMaps',
        url: server.url,
        zone: c.zone,
        credentialsSecretRef: { namespace: operatorNamespace, name: `em-token-${i}`, key: 'token' },
        refreshInterval: '5s',
        maxStaleness: '1h',
      }));
    }
    for (const c of cases.filter((x) => x.then !== undefined)) {
      await eventually(`${c.hub} live`, async () => ((await freshness(c.hub))?.reason === 'ForecastLive' ? true : undefined), { timeoutMs: 90_000 });
      server.set(c.zone, c.then as Mode);
    }
    // Every failure reached the status, with the echoed token blanked.
    for (const c of cases) {
      const expected = c.then === undefined ? 'UsingDeclaredGridIntensity' : 'UsingLastGoodForecast';
      const kind = c.first === 'echo401' ? 'Auth' : c.first === 'echo503' ? 'Http' : 'Schema';
      const condition = await eventually(`${c.hub} ${expected}`, async () => {
        const f = await freshness(c.hub);
        return f?.reason === expected ? f : undefined;
      }, { timeoutMs: 90_000 });
      expect(condition.message).toContain(`${kind}: `);
      // A body value over 40 characters is not quoted at all; everything else is, blanked.
      if (c.then === undefined || (tokens[c.token] ?? '').length <= 40) expect(condition.message).toContain('<redacted>');
    }
    // The operator did send both tokens, so there was something to leak.
    for (const token of tokens) expect(server.received.has(token)).toBe(true);

    await eventually('the fallback events recorded', async () => {
      const events = await kubectlOk(['get', 'events', '--all-namespaces', '-o', 'json']);
      return cases.every((c) => events.includes(c.hub)) ? true : undefined;
    }, { timeoutMs: 60_000 });
    const written = {
      'Hub status': await kubectlOk(['get', 'hubs.westward.io', '-o', 'json']),
      'events (core/v1)': await kubectlOk(['get', 'events', '--all-namespaces', '-o', 'json']),
      'events (events.k8s.io/v1)': await kubectlOk(['get', 'events.v1.events.k8s.io', '--all-namespaces', '-o', 'json']),
      'operator log': (operator?.logs() ?? []).join('\n'),
      '/metrics': await (await fetch(new URL('/metrics', operator?.metricsUrl))).text(),
    };
    expect(written['operator log']).toContain('Forecast fetch failed');
    expect(written['/metrics']).toContain('westward_forecast_fetches_total');
    for (const [where, text] of Object.entries(written)) {
      for (const token of tokens) {
        // every spelling a provider may echo, and a part of the long one, as a cut quote would leave
        const parts = token.length >= 12 ? [token.slice(0, 12), token.slice(-12)] : [];
        for (const spelling of [token, JSON.stringify(token).slice(1, -1), encodeURIComponent(token), ...parts]) {
          expect(text.includes(spelling), `${JSON.stringify(spelling)} in ${where}`).toBe(false);
        }
      }
    }
  });

  it('refuses a 200 MB answer as TooLarge with its memory far under the chart limit', async () => {
    const before = memoryOf(leaseId);
    const name = `huge-${suffix}`;
    await createHub(hubObject(name, { provider: 'UKCarbonIntensity', url: server.url, zone: '3', refreshInterval: '5s', maxStaleness: '1h' }));
    const condition = await eventually(`${name} refused`, async () => {
      const f = await freshness(name);
      return f?.message.includes('TooLarge') === true ? f : undefined;
    }, { timeoutMs: 90_000 });
    const after = memoryOf(leaseId);
    expect(condition.message).toContain(`response body is larger than ${capBytes} bytes`);
    // What left the server before the operator hung up: the cap and socket buffers, not 200 MB.
    expect(server.hugeSent()).toBeLessThan(capBytes + 16 * MiB);
    // Peak resident memory of the operator process (VmHWM) over its whole life, refusal included.
    expect(after.peak).toBeLessThan(chartMemoryLimit / 2);
    expect(after.peak - before.peak).toBeLessThan(100 * MiB);
    console.info(`operator memory: rss before ${Math.round(before.rss / MiB)} MiB, peak after ${Math.round(after.peak / MiB)} MiB; server sent ${Math.round(server.hugeSent() / MiB)} MiB`);
  });
});

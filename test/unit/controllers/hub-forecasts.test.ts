// The Hub forecast poller's credentials lookup: Secrets only from the installer's namespaces,
// and an API server that cannot give a Secret leaves the forecast state as it was.
import fc from 'fast-check';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { Hub } from '../../../src/api/index.ts';
import { credentialsNotAllowedReason } from '../../../src/controllers/hub/credentials.ts';
import { HubForecasts, type SecretReader } from '../../../src/controllers/hub/forecasts.ts';
import { hubConditionInputs } from '../../../src/controllers/hub/status.ts';
import type { HubForecastRequest } from '../../../src/forecast/request.ts';
import type { ForecastResult } from '../../../src/forecast/source.ts';
import type { Forecast } from '../../../src/forecast/types.ts';
import type { HubCapacity } from '../../../src/model/capacity.ts';
import { createRegistry } from '../../../src/observability/metrics.ts';
import { KubeApiError, type ApiErrorKind } from '../../../src/runtime/errors.ts';

const minute = 60_000;
const hour = 60 * minute;
const t0 = Date.UTC(2026, 11, 1, 10, 0);
const token = 'tok-3f9a';
const encoded = Buffer.from(token).toString('base64');

function hub(name: string, ref: { namespace: string; name: string; key: string } | undefined): Hub {
  return {
    apiVersion: 'westward.io/v1alpha1',
    kind: 'Hub',
    metadata: { name },
    spec: {
      location: { latitude: 36, longitude: 104 },
      nodeSelector: { matchLabels: { hub: name } },
      energy: { pue: 1.2, gridCarbonIntensity: 600 },
      forecast: {
        provider: ref === undefined ? 'UKCarbonIntensity' : 'ElectricityMaps',
        url: 'http://foreign.example',
        zone: 'CN-NW',
        refreshInterval: '5m',
        maxStaleness: '1h',
        ...(ref === undefined ? {} : { credentialsSecretRef: ref }),
      },
    },
  };
}

function forecastAt(nowMs: number): Forecast {
  return {
    provider: 'ElectricityMaps',
    fetchedAt: new Date(nowMs).toISOString(),
    validUntil: new Date(nowMs + 24 * hour).toISOString(),
    points: [{ start: new Date(nowMs).toISOString(), end: new Date(nowMs + hour).toISOString(), carbonIntensity: 100, renewableShare: 0.8, renewableMW: null, estimated: false }],
  };
}

/** HubForecasts with a scripted Secret reader, a recording fetch and a clock the test moves. */
function harness(allowed: string[], secretFailure: () => KubeApiError | undefined = () => undefined) {
  let now = t0;
  const reads: string[] = [];
  const fetched: HubForecastRequest[][] = [];
  const readSecret: SecretReader = (namespace, name) => {
    reads.push(`${namespace}/${name}`);
    const failure = secretFailure();
    return failure === undefined ? Promise.resolve({ token: encoded }) : Promise.reject(failure);
  };
  const forecasts = new HubForecasts({
    kubeConfig: undefined as never,
    credentialsNamespaces: allowed,
    readSecret,
    fetch: (hubs) => {
      fetched.push(hubs);
      return Promise.resolve(new Map<string, ForecastResult>(hubs.map((h) => [h.hub, forecastAt(now)])));
    },
    now: () => now,
    logger: pino({ level: 'silent' }),
    registry: createRegistry(),
    onPolled: () => undefined,
  });
  return {
    forecasts,
    reads,
    fetched,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

const own = { namespace: 'westward-system', name: 'em', key: 'token' };

describe('credentials from the allowed namespaces only', () => {
  it('reads a Secret in an allowed namespace and hands its token to the fetch', async () => {
    const h = harness(['westward-system']);
    h.forecasts.setHubs([hub('a', own)]);
    expect(await h.forecasts.pollOnce()).toEqual(['a']);
    expect(h.reads).toEqual(['westward-system/em']);
    expect(h.fetched.flat().map((r) => r.credentials)).toEqual([{ token }]);
    expect(h.forecasts.effective('a')?.source).toBe('Live');
    expect(h.forecasts.credentialsRefusal('a')).toBeUndefined();
  });

  it('sends nothing for a Secret in another namespace and says why', async () => {
    const h = harness(['westward-system', 'energy-team']);
    h.forecasts.setHubs([hub('thief', { namespace: 'victim', name: 'db-creds', key: 'password' }), hub('plain', undefined)]);
    expect((await h.forecasts.pollOnce()).sort()).toEqual(['plain', 'thief']);
    expect(h.reads).toEqual([]);
    expect(h.fetched.flat().map((r) => r.hub)).toEqual(['plain']);
    const refusal = h.forecasts.credentialsRefusal('thief') ?? '';
    expect(refusal).toContain('victim');
    expect(refusal).toContain('westward-system, energy-team');
    expect(refusal).toContain('--credentials-namespace');
    expect(h.forecasts.lastError('thief')).toEqual({ kind: 'Config', message: refusal });
    expect(h.forecasts.attempted('thief')).toBe(true);
    expect(h.forecasts.effective('thief')?.source).toBe('DeclaredGrid');
  });

  it('fetches at once when the Hub is changed to name an allowed Secret', async () => {
    const h = harness(['westward-system']);
    h.forecasts.setHubs([hub('a', { namespace: 'victim', name: 'db-creds', key: 'password' })]);
    await h.forecasts.pollOnce();
    h.forecasts.setHubs([hub('a', own)]);
    expect(h.forecasts.credentialsRefusal('a')).toBeUndefined();
    expect(await h.forecasts.pollOnce()).toEqual(['a']);
    expect(h.reads).toEqual(['westward-system/em']);
    expect(h.forecasts.effective('a')?.source).toBe('Live');
  });

  it('never reads or fetches for any namespace outside the list', async () => {
    const namespace = fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,20}[a-z0-9])?$/).filter((n) => n !== 'westward-system');
    await fc.assert(
      fc.asyncProperty(namespace, async (ns) => {
        const h = harness(['westward-system']);
        h.forecasts.setHubs([hub('x', { namespace: ns, name: 'creds', key: 'token' })]);
        await h.forecasts.pollOnce();
        h.advance(hour);
        await h.forecasts.pollOnce();
        return h.reads.length === 0 && h.fetched.length === 0 && h.forecasts.credentialsRefusal('x') !== undefined;
      }),
      { numRuns: 200 },
    );
  });

  it('refuses to start without an allowed namespace', () => {
    expect(() => harness([])).toThrow(/credentialsNamespaces/);
  });

  it('puts the refusal in the ForecastFresh condition', () => {
    const capacity = { nodes: [] } as unknown as HubCapacity;
    const effective = { source: 'DeclaredGrid' as const, forecast: null, ageMs: null, message: 'x' };
    const fresh = hubConditionInputs(capacity, { effective, lastError: { kind: 'Config', message: 'm' }, credentialsRefusal: 'namespace victim not allowed' }, { matchLabels: { hub: 'h' } }).find(
      (c) => c.type === 'ForecastFresh',
    );
    expect(fresh).toEqual({ type: 'ForecastFresh', status: 'False', reason: credentialsNotAllowedReason, message: 'namespace victim not allowed' });
    const without = hubConditionInputs(capacity, { effective, lastError: null }, { matchLabels: { hub: 'h' } }).find((c) => c.type === 'ForecastFresh');
    expect(without?.reason).toBe('UsingDeclaredGridIntensity');
  });
});

describe('API server errors while reading a Secret', () => {
  const failures: [ApiErrorKind, number][] = [
    ['Forbidden', 403],
    ['Unauthorized', 401],
    ['ServerError', 500],
    ['ServerError', 503],
    ['TooManyRequests', 429],
    ['Network', 0],
  ];

  it.each(failures)('%s (%d) is no provider failure and leaves a live forecast live', async (kind, code) => {
    let failing = false;
    const h = harness(['westward-system'], () => (failing ? new KubeApiError({ kind, code, message: `${kind} from the API server` }) : undefined));
    h.forecasts.setHubs([hub('a', own)]);
    await h.forecasts.pollOnce();
    const before = h.forecasts.effective('a');
    expect(before?.source).toBe('Live');

    failing = true;
    h.advance(5 * minute);
    expect(await h.forecasts.pollOnce()).toEqual([]);
    expect(h.reads).toHaveLength(2);
    expect(h.fetched).toHaveLength(1);
    expect(h.forecasts.lastError('a')).toBeNull();
    expect(h.forecasts.effective('a')?.source).toBe('Live');
    expect(h.forecasts.effective('a')?.forecast).toEqual(before?.forecast);

    // Not asked again before the backoff, then fetched as soon as the Secret is readable.
    await h.forecasts.pollOnce();
    expect(h.reads).toHaveLength(2);
    failing = false;
    h.advance(10 * minute);
    expect(await h.forecasts.pollOnce()).toEqual(['a']);
    expect(h.fetched).toHaveLength(2);
    expect(h.forecasts.effective('a')?.forecast?.fetchedAt).toBe(new Date(t0 + 15 * minute).toISOString());
  });

  it('leaves a hub without any forecast unattempted rather than failed', async () => {
    const h = harness(['westward-system'], () => new KubeApiError({ kind: 'ServerError', code: 503, message: 'unavailable' }));
    h.forecasts.setHubs([hub('a', own)]);
    expect(await h.forecasts.pollOnce()).toEqual([]);
    expect(h.forecasts.attempted('a')).toBe(false);
    expect(h.forecasts.lastError('a')).toBeNull();
  });

  it('counts a missing Secret as the Hub spec problem it is', async () => {
    const h = harness(['westward-system'], () => new KubeApiError({ kind: 'NotFound', code: 404, message: 'secrets "em" not found' }));
    h.forecasts.setHubs([hub('a', own)]);
    expect(await h.forecasts.pollOnce()).toEqual(['a']);
    expect(h.fetched).toEqual([]);
    expect(h.forecasts.lastError('a')).toEqual({ kind: 'Config', message: 'credentials Secret westward-system/em not found' });
  });

  it('keeps a missing key a Config error that names the key', async () => {
    const h = harness(['westward-system']);
    h.forecasts.setHubs([hub('a', { ...own, key: 'apiKey' })]);
    await h.forecasts.pollOnce();
    expect(h.forecasts.lastError('a')).toEqual({ kind: 'Config', message: 'credentials Secret westward-system/em has no key apiKey' });
    expect(h.fetched).toEqual([]);
  });
});

describe('one fetch per poll', () => {
  it('fetches every due hub in one call', async () => {
    const h = harness(['westward-system']);
    h.forecasts.setHubs([hub('a', own), hub('b', undefined), hub('c', own)]);
    await h.forecasts.pollOnce();
    expect(h.fetched).toHaveLength(1);
    expect(h.fetched[0]?.map((r) => r.hub).sort()).toEqual(['a', 'b', 'c']);
  });
});

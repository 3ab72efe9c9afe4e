// The provider clients against a local HTTP server serving each provider's documented shapes.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ForecastError } from '../../../src/forecast/errors.ts';
import { JsonHttpClient } from '../../../src/forecast/http.ts';
import type { HubForecastRequest } from '../../../src/forecast/request.ts';
import { createForecastSource, type ForecastResult } from '../../../src/forecast/source.ts';
import type { Forecast } from '../../../src/forecast/types.ts';
import { fixture, hub, payload } from './helpers.ts';
import { json, startServer, type TestServer } from './server.ts';

let server: TestServer;
let clock: number;
let sleeps: number[];

beforeEach(async () => {
  server = await startServer();
  clock = Date.UTC(2026, 10, 29, 10, 0);
  sleeps = [];
});
afterEach(async () => {
  await server.close();
});

function source(options: Partial<ConstructorParameters<typeof JsonHttpClient>[0]> = {}) {
  return createForecastSource({
    now: () => clock,
    sleep: (ms) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
    random: () => 0.5,
    timeoutMs: 1000,
    retries: 2,
    ...options,
  });
}

function forecastOf(result: ForecastResult | undefined): Forecast {
  if (result === undefined || result instanceof ForecastError) throw new Error(`expected a forecast, got ${String(result)}`);
  return result;
}

function errorOf(result: ForecastResult | undefined): ForecastError {
  if (!(result instanceof ForecastError)) throw new Error('expected a ForecastError');
  return result;
}

function at(provider: HubForecastRequest['forecast']['provider'], forecast: Partial<HubForecastRequest['forecast']> = {}, overrides: Partial<HubForecastRequest> = {}): HubForecastRequest {
  return hub(overrides, { provider, url: server.url, ...forecast });
}

const emCarbon = {
  zone: 'DE',
  forecast: [
    { carbonIntensity: 322, datetime: '2026-11-29T10:00:00.000Z' },
    { carbonIntensity: 300, datetime: '2026-11-29T11:00:00.000Z' },
  ],
  updatedAt: '2026-11-29T09:55:00.000Z',
};

describe('OpenMeteo', () => {
  it('fetches all hubs in one request and splits the answer', async () => {
    clock = Date.UTC(2026, 5, 1); // the day the recorded body is for
    const body = fixture('open-meteo-single.json');
    server.route('/v1/forecast', (_req, res) => { json(res, 200, [body, body]); });
    const hubs = [at('OpenMeteo'), at('OpenMeteo', {}, { hub: 'ningxia-zhongwei', location: { latitude: 37.5, longitude: 105.19 }, renewables: { solarMW: 0, windMW: 100 } })];
    const results = await source()(hubs);
    expect(server.requests).toHaveLength(1);
    const q = server.requests[0]?.query;
    expect(q?.get('latitude')).toBe('35.7100,37.5000');
    expect(q?.get('longitude')).toBe('107.6400,105.1900');
    expect(q?.get('wind_speed_unit')).toBe('ms');
    expect(q?.get('hourly')).toContain('global_tilted_irradiance');
    // 03–04: the gansu hub has 61.92 MW solar + 200 MW wind; ningxia only its 100 MW of wind
    expect(forecastOf(results.get('gansu-qingyang')).points[0]?.renewableMW).toBeCloseTo(261.92, 9);
    expect(forecastOf(results.get('ningxia-zhongwei')).points[0]?.renewableMW).toBeCloseTo(100, 9);
  });

  it('a 400 with the Open-Meteo error shape fails every hub of the batch with the reason', async () => {
    server.route('/v1/forecast', (_req, res) => { json(res, 400, { error: true, reason: 'Latitude must be in range of -90 to 90°' }); });
    const results = await source()([at('OpenMeteo'), at('OpenMeteo', {}, { hub: 'b' })]);
    for (const name of ['gansu-qingyang', 'b']) {
      const e = errorOf(results.get(name));
      expect(e.kind).toBe('Http');
      expect(e.message).toContain('Latitude must be in range');
    }
    expect(server.requests).toHaveLength(1); // a 400 is not retried
  });

  it('an HTML page with status 200 is a Schema error, never half-used', async () => {
    server.route('/v1/forecast', (_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<!DOCTYPE html><html><body>Maintenance</body></html>'));
    const e = errorOf((await source()([at('OpenMeteo')])).get('gansu-qingyang'));
    expect(e.kind).toBe('Schema');
    expect(e.message).toContain('not JSON');
  });
});

describe('ElectricityMaps', () => {
  it('sends the token header and the no-fallback flag, merges both forecasts', async () => {
    server.route('/v3/carbon-intensity/forecast', (_req, res) => { json(res, 200, emCarbon); });
    server.route('/v3/renewable-energy/forecast', (_req, res) => {
      json(res, 200, { zone: 'DE', data: [{ datetime: '2026-11-29T10:00:00.000Z', value: '41', unit: '%', isEstimated: true }] });
    });
    const h = at('ElectricityMaps', { zone: 'DE' }, { credentials: { token: 'em-secret-token' } });
    const f = forecastOf((await source()([h])).get(h.hub));
    expect(f.points[0]).toMatchObject({ carbonIntensity: 322, renewableShare: 0.41, estimated: true });
    for (const r of server.requests) {
      expect(r.headers['auth-token']).toBe('em-secret-token');
      expect(r.query.get('zone')).toBe('DE');
      expect(r.query.get('shouldUseFallbackCallerLookup')).toBe('false');
    }
  });

  it('carbon intensity alone when the plan lacks the renewable endpoint', async () => {
    server.route('/v3/carbon-intensity/forecast', (_req, res) => { json(res, 200, emCarbon); });
    server.route('/v3/renewable-energy/forecast', (_req, res) => { json(res, 403, { message: 'Endpoint not available' }); });
    const h = at('ElectricityMaps', { zone: 'DE' }, { credentials: { token: 'em-secret-token' } });
    const f = forecastOf((await source()([h])).get(h.hub));
    expect(f.points.map((p) => p.carbonIntensity)).toEqual([322, 300]);
    expect(f.points.every((p) => p.renewableShare === null)).toBe(true);
  });

  it('401 is Auth, and the token never appears in the message even when echoed', async () => {
    server.route('/v3/carbon-intensity/forecast', (req, res) => {
      json(res, 401, { message: `Token unauthorized for zoneKey: ${String(req.headers['auth-token'])}` });
    });
    const h = at('ElectricityMaps', { zone: 'DE' }, { credentials: { token: 'em-secret-token' } });
    const e = errorOf((await source()([h])).get(h.hub));
    expect(e.kind).toBe('Auth');
    expect(e.message).toContain('Token unauthorized');
    expect(e.message).not.toContain('em-secret-token');
  });

  it('missing zone or token is a Config error without a request', async () => {
    const results = await source()([at('ElectricityMaps', {}, { credentials: { token: 'x' } })]);
    expect(errorOf(results.get('gansu-qingyang')).kind).toBe('Config');
    expect(server.requests).toHaveLength(0);
  });
});

describe('WattTime', () => {
  function serve(options: { rejectTokens?: Set<string> } = {}) {
    let logins = 0;
    server.route('/login', (req, res) => {
      const expected = `Basic ${Buffer.from('alice:pa55word-secret').toString('base64')}`;
      if (req.headers.authorization !== expected) {
        json(res, 401, { error: 'bad credentials' });
        return;
      }
      logins++;
      json(res, 200, { token: `token-${logins}` });
    });
    server.route('/v3/forecast', (req, res) => {
      const token = (req.headers.authorization ?? '').replace('Bearer ', '');
      if (!token.startsWith('token-') || options.rejectTokens?.has(token) === true) {
        res.writeHead(403, { 'content-type': 'text/html' }).end('<html><body><h1>403 Forbidden</h1></body></html>');
        return;
      }
      json(res, 200, payload('watttime_aiowatttime_forecasted_emissions_response.json'));
    });
    return { logins: () => logins };
  }
  const h = () => at('WattTime', { zone: 'CAISO_NORTH' }, { credentials: { username: 'alice', password: 'pa55word-secret' } });
  beforeEach(() => {
    clock = Date.UTC(2022, 6, 15); // the day the recorded body is for
  });

  it('logs in with Basic auth once and reuses the token until it is about to expire', async () => {
    const s = serve();
    const fetch = source();
    forecastOf((await fetch([h()])).get('gansu-qingyang'));
    forecastOf((await fetch([h()])).get('gansu-qingyang'));
    expect(s.logins()).toBe(1);
    const forecastCalls = server.requests.filter((r) => r.path === '/v3/forecast');
    expect(forecastCalls.map((r) => r.headers.authorization)).toEqual(['Bearer token-1', 'Bearer token-1']);
    expect(forecastCalls[0]?.query.get('region')).toBe('CAISO_NORTH');
    expect(forecastCalls[0]?.query.get('signal_type')).toBe('co2_moer');
    clock += 26 * 60_000; // past the 25 minutes a token is trusted
    const f = forecastOf((await fetch([h()])).get('gansu-qingyang'));
    expect(s.logins()).toBe(2);
    expect(f.points[0]?.carbonIntensity).toBeCloseTo(870 * 0.4536, 9);
  });

  it('on 403 logs in again once, then succeeds', async () => {
    const s = serve({ rejectTokens: new Set(['token-1']) });
    const f = forecastOf((await source()([h()])).get('gansu-qingyang'));
    expect(f.provider).toBe('WattTime');
    expect(s.logins()).toBe(2);
  });

  it('on repeated 403 fails with Auth after one re-login', async () => {
    const s = serve({ rejectTokens: new Set(['token-1', 'token-2', 'token-3']) });
    const e = errorOf((await source()([h()])).get('gansu-qingyang'));
    expect(e.kind).toBe('Auth');
    expect(e.message).toContain('403 Forbidden');
    expect(s.logins()).toBe(2);
  });

  it('a bad password is Auth and neither it nor the Basic header shows', async () => {
    serve();
    const wrong = at('WattTime', { zone: 'CAISO_NORTH' }, { credentials: { username: 'alice', password: 'wrong-password-xyz' } });
    server.route('/login', (req, res) => { json(res, 403, { error: `denied ${String(req.headers.authorization)} wrong-password-xyz` }); });
    const e = errorOf((await source()([wrong])).get('gansu-qingyang'));
    expect(e.kind).toBe('Auth');
    expect(e.message).not.toContain('wrong-password-xyz');
    expect(e.message).not.toContain(Buffer.from('alice:wrong-password-xyz').toString('base64'));
  });
});

describe('CarbonAwareSDK and UKCarbonIntensity', () => {
  it('SDK: location parameter, forecastData read', async () => {
    clock = Date.UTC(2022, 5, 1, 12, 0);
    server.route('/emissions/forecasts/current', (_req, res) => { json(res, 200, fixture('carbon-aware-sdk.json')); });
    const f = forecastOf((await source()([at('CarbonAwareSDK', { zone: 'eastus' })])).get('gansu-qingyang'));
    expect(server.requests[0]?.query.getAll('location')).toEqual(['eastus']);
    expect(f.points.map((p) => p.carbonIntensity)).toEqual([364.1, 359.2, 361.0]);
  });

  it('UK: regionid endpoint, shortname via all regions, national without a zone', async () => {
    server.route('/regional/intensity/2026-11-29T10:00Z/fw48h/regionid/3', (_req, res) => { json(res, 200, fixture('uk-regionid.json')); });
    // the recorded payloads are from 2019-08-25 12:30
    server.route('/regional/intensity/2019-08-25T12:30Z/fw48h', (_req, res) => { json(res, 200, payload('gbci_regional_intensity_range.min.json')); });
    server.route('/intensity/2019-08-25T12:30Z/fw48h', (_req, res) => { json(res, 200, payload('gbci_national_intensity_range.json')); });
    const fetch = source();
    expect(forecastOf((await fetch([at('UKCarbonIntensity', { zone: '3' }, { hub: 'r3' })])).get('r3')).points[0]?.carbonIntensity).toBe(120);
    clock = Date.UTC(2019, 7, 25, 12, 40);
    const results = await fetch([
      at('UKCarbonIntensity', { zone: 'South Scotland' }, { hub: 'south' }),
      at('UKCarbonIntensity', {}, { hub: 'national' }),
    ]);
    // South Scotland, first half-hour: hydro 0.1 + solar 11.2 + wind 22.5 = 33.8 %
    expect(forecastOf(results.get('south')).points[0]?.renewableShare).toBeCloseTo(0.338, 12);
    expect(forecastOf(results.get('national')).points[0]?.carbonIntensity).toBe(183);
  });
});

describe('retries, timeouts, caching', () => {
  const ukHub = () => at('UKCarbonIntensity', { zone: '3' });
  const path = '/regional/intensity/2026-11-29T10:00Z/fw48h/regionid/3';

  it('429 with Retry-After is waited out for the given seconds, then succeeds', async () => {
    let calls = 0;
    server.route(path, (_req, res) => {
      calls++;
      if (calls === 1) json(res, 429, { error: { code: '429', message: 'slow down' } }, { 'retry-after': '7' });
      else json(res, 200, fixture('uk-regionid.json'));
    });
    forecastOf((await source()([ukHub()])).get('gansu-qingyang'));
    expect(sleeps).toEqual([7000]);
    expect(calls).toBe(2);
  });

  it('a Retry-After beyond the bound fails at once as RateLimited', async () => {
    server.route(path, (_req, res) => { json(res, 429, { message: 'Minutely API request limit exceeded' }, { 'retry-after': '3600' }); });
    const e = errorOf((await source()([ukHub()])).get('gansu-qingyang'));
    expect(e.kind).toBe('RateLimited');
    expect(e.status).toBe(429);
    expect(sleeps).toEqual([]);
    expect(server.requests).toHaveLength(1);
  });

  it('5xx is retried with jittered exponential backoff, then fails as Http', async () => {
    server.route(path, (_req, res) => res.writeHead(503).end('Service Unavailable'));
    const e = errorOf((await source({ baseDelayMs: 100 })([ukHub()])).get('gansu-qingyang'));
    expect(e.kind).toBe('Http');
    expect(e.message).toContain('503');
    expect(server.requests).toHaveLength(3);
    // random() = 0.5: half of 100·2^0 and 100·2^1
    expect(sleeps).toEqual([50, 100]);
  });

  it('a response slower than the timeout is a Timeout', async () => {
    server.route(path, (_req, res) => {
      setTimeout(() => { json(res, 200, fixture('uk-regionid.json')); }, 400);
    });
    const e = errorOf((await source({ timeoutMs: 100, retries: 1 })([ukHub()])).get('gansu-qingyang'));
    expect(e.kind).toBe('Timeout');
    expect(server.requests).toHaveLength(2);
  });

  it('a refused connection is a Network error', async () => {
    const url = server.url;
    await server.close();
    const e = errorOf((await source({ retries: 0 })([hub({}, { provider: 'UKCarbonIntensity', url, zone: '3' })])).get('gansu-qingyang'));
    expect(e.kind).toBe('Network');
    server = await startServer(); // for afterEach
  });

  it('partial data (a series cut short) is rejected as a whole', async () => {
    server.route(path, (_req, res) => { json(res, 200, { data: { regionid: 3, shortname: 'North West England', data: [] } }); });
    expect(errorOf((await source()([ukHub()])).get('gansu-qingyang')).kind).toBe('TooFewPoints');
  });

  it('ETag: the second request is conditional and a 304 reuses the body', async () => {
    server.route(path, (req, res) => {
      if (req.headers['if-none-match'] === '"v1"') res.writeHead(304).end();
      else json(res, 200, fixture('uk-regionid.json'), { etag: '"v1"' });
    });
    const fetch = source();
    const first = forecastOf((await fetch([ukHub()])).get('gansu-qingyang'));
    const second = forecastOf((await fetch([ukHub()])).get('gansu-qingyang'));
    expect(server.requests.map((r) => r.headers['if-none-match'])).toEqual([undefined, '"v1"']);
    expect(second.points).toEqual(first.points);
  });

  it('Cache-Control max-age: no request until it expires', async () => {
    server.route(path, (_req, res) => { json(res, 200, fixture('uk-regionid.json'), { 'cache-control': 'public, max-age=600' }); });
    const fetch = source();
    await fetch([ukHub()]);
    clock += 5 * 60_000;
    await fetch([ukHub()]);
    expect(server.requests).toHaveLength(1);
    clock += 6 * 60_000;
    await fetch([ukHub()]);
    expect(server.requests).toHaveLength(2);
  });
});

describe('Static', () => {
  it('needs no server', async () => {
    const f = forecastOf((await source()([hub({}, { provider: 'Static', static: { renewableShare: 0.85, carbonIntensity: 110 } })])).get('gansu-qingyang'));
    expect(f.points[0]).toMatchObject({ start: '2026-11-29T10:00:00.000Z', renewableShare: 0.85, carbonIntensity: 110 });
    expect(server.requests).toHaveLength(0);
  });
});

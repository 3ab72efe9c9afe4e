import { describe, expect, it } from 'vitest';
import { ForecastError } from '../../../src/forecast/errors.ts';
import { ForecastPoller, applyFetchResult, effectiveForecast, initialHubState } from '../../../src/forecast/poller.ts';
import type { HubForecastRequest } from '../../../src/forecast/request.ts';
import type { ForecastResult } from '../../../src/forecast/source.ts';
import type { Forecast } from '../../../src/forecast/types.ts';
import { hub } from './helpers.ts';

const minute = 60_000;
const hour = 60 * minute;
const t0 = Date.UTC(2026, 10, 29, 10, 0);

function forecastAt(nowMs: number, provider: Forecast['provider'] = 'OpenMeteo'): Forecast {
  return {
    provider,
    fetchedAt: new Date(nowMs).toISOString(),
    validUntil: new Date(nowMs + 24 * hour).toISOString(),
    points: [{ start: new Date(nowMs).toISOString(), end: new Date(nowMs + hour).toISOString(), carbonIntensity: 100, renewableShare: 0.8, renewableMW: 90, estimated: true }],
  };
}

/** A fetch function scripted per call, and a clock the test moves. */
function harness(hubs: HubForecastRequest[]) {
  let now = t0;
  const script: ((hubs: HubForecastRequest[]) => ForecastResult)[] = [];
  const calls: string[][] = [];
  const poller = new ForecastPoller({
    now: () => now,
    fetch: (due) => {
      calls.push(due.map((h) => h.hub));
      const next = script.shift() ?? (() => new ForecastError('Network', 'unscripted'));
      return Promise.resolve(new Map(due.map((h) => [h.hub, next([h])])));
    },
  });
  poller.setHubs(hubs);
  return {
    poller,
    calls,
    ok: () => script.push(() => forecastAt(now)),
    fail: (kind: ForecastError['kind'] = 'Timeout') => script.push(() => new ForecastError(kind, `${kind} at hourly.time[3]`)),
    advance: (ms: number) => { now += ms; },
    now: () => now,
  };
}

describe('ForecastPoller with a fake clock', () => {
  const spec = { refreshIntervalMs: 15 * minute, maxStalenessMs: 3 * hour };
  const h = hub({}, spec);

  it('starts on the declared grid, goes Live after a good fetch', async () => {
    const t = harness([h]);
    expect(t.poller.effective(h.hub)).toMatchObject({ source: 'DeclaredGrid', forecast: null });
    t.ok();
    expect(await t.poller.poll()).toEqual([h.hub]);
    expect(t.poller.effective(h.hub)).toMatchObject({ source: 'Live', ageMs: 0 });
    expect(t.poller.state(h.hub)?.nextAttemptAtMs).toBe(t0 + 15 * minute);
    // not due again before the refresh interval
    t.advance(14 * minute);
    expect(await t.poller.poll()).toEqual([]);
    expect(t.calls).toHaveLength(1);
  });

  it('a failure keeps the last good forecast and says why; retries back off; recovery resets', async () => {
    const t = harness([h]);
    t.ok();
    await t.poller.poll();
    const good = t.poller.state(h.hub)?.forecast;
    t.advance(15 * minute);
    t.fail('Timeout');
    await t.poller.poll();
    const s = t.poller.state(h.hub);
    expect(s?.forecast).toBe(good);
    expect(s?.consecutiveFailures).toBe(1);
    expect(s?.lastError).toEqual({ kind: 'Timeout', message: 'Timeout at hourly.time[3]' });
    expect(s?.nextAttemptAtMs).toBe(t.now() + 30_000);
    const eff = t.poller.effective(h.hub);
    expect(eff?.source).toBe('LastGood');
    expect(eff?.ageMs).toBe(15 * minute);
    expect(eff?.message).toContain('Timeout');

    t.advance(30_000);
    t.fail('RateLimited');
    await t.poller.poll();
    expect(t.poller.state(h.hub)?.nextAttemptAtMs).toBe(t.now() + 60_000); // doubled

    t.advance(60_000);
    t.ok();
    await t.poller.poll();
    expect(t.poller.state(h.hub)).toMatchObject({ consecutiveFailures: 0, lastError: null, fetchedAtMs: t.now() });
    expect(t.poller.effective(h.hub)?.source).toBe('Live');
  });

  it('past maxStaleness the ladder drops to the declared grid', async () => {
    const t = harness([h]);
    t.ok();
    await t.poller.poll();
    for (let i = 0; i < 12; i++) {
      t.advance(15 * minute);
      t.fail('Http');
      await t.poller.poll();
    }
    // exactly 3 h old: still the last good forecast
    expect(t.poller.effective(h.hub)?.source).toBe('LastGood');
    t.advance(1);
    const eff = t.poller.effective(h.hub);
    expect(eff).toMatchObject({ source: 'DeclaredGrid', forecast: null });
    expect(eff?.message).toContain('declared grid');
    // the last good forecast is still held for when the hub recovers
    expect(t.poller.state(h.hub)?.forecast).not.toBeNull();
    expect(t.poller.state(h.hub)?.nextAttemptAtMs).toBeLessThanOrEqual(t.now() + 15 * minute);
  });

  it('a forecast past its validUntil is not used even when young', () => {
    const state = applyFetchResult(initialHubState('x', t0), { ...forecastAt(t0), validUntil: new Date(t0 + hour).toISOString() }, spec, t0);
    expect(effectiveForecast(state, spec, t0 + hour - 1).source).toBe('Live');
    expect(effectiveForecast(state, spec, t0 + hour).source).toBe('DeclaredGrid');
  });

  it('never-fetched hub that fails: DeclaredGrid with the error named', async () => {
    const t = harness([h]);
    t.fail('Auth');
    await t.poller.poll();
    expect(t.poller.effective(h.hub)?.message).toContain('Auth');
    expect(t.poller.effective(h.hub)?.source).toBe('DeclaredGrid');
  });

  it('polls only due hubs together, forgets removed hubs, restarts a hub whose spec changed', async () => {
    const other = hub({ hub: 'ningxia' }, { ...spec, refreshIntervalMs: 30 * minute });
    const t = harness([h, other]);
    t.ok();
    await t.poller.poll();
    expect(t.calls[0]).toEqual([h.hub, 'ningxia']);
    t.advance(15 * minute);
    t.ok();
    await t.poller.poll();
    expect(t.calls[1]).toEqual([h.hub]);
    expect(t.poller.nextDueAtMs()).toBe(t0 + 30 * minute);

    t.poller.setHubs([{ ...other, forecast: { ...other.forecast, zone: 'changed' } }]);
    expect(t.poller.state(h.hub)).toBeUndefined();
    expect(t.poller.state('ningxia')?.forecast).toBeNull();
  });
});

describe('ForecastPoller.restore', () => {
  const spec = { refreshIntervalMs: 15 * minute, maxStalenessMs: 3 * hour };
  const h = hub({}, spec);
  const point = (over: Partial<Forecast['points'][number]> = {}): Forecast['points'][number] => ({
    start: new Date(t0 - hour).toISOString(), end: new Date(t0).toISOString(), carbonIntensity: 100, renewableShare: 0.8, renewableMW: 90, estimated: true, ...over,
  });
  const kept = (points: Forecast['points']): Forecast => ({ provider: 'OpenMeteo', fetchedAt: new Date(t0 - hour).toISOString(), validUntil: new Date(t0 + hour).toISOString(), points });

  // A Hub's status may be written by anyone allowed to: it is held to a fresh answer's rules.
  it.each([
    ['a sound forecast is taken back', [point()], true],
    ['an intensity of 1e9 is not', [point({ carbonIntensity: 1e9 })], false],
    ['a share of 2.7 is not', [point({ renewableShare: 2.7 })], false],
    ['more MW than the hub could make is not', [point({ renewableMW: 1e6 })], false],
    ['points in 1970 are not', [point({ start: '1970-01-01T00:00:00.000Z', end: '1970-01-01T01:00:00.000Z' })], false],
    ['only gaps is not', [point({ carbonIntensity: null, renewableShare: null, renewableMW: null })], false],
    ['overlapping points are not', [point(), point()], false],
  ])('%s', (_name, points, taken) => {
    const poller = new ForecastPoller({ now: () => t0, fetch: () => Promise.resolve(new Map()) });
    poller.setHubs([h]);
    expect(poller.restore(h.hub, kept(points), t0 - hour)).toBe(taken);
    expect(poller.state(h.hub)?.forecast === null).toBe(!taken);
  });

  it('a fetch time in the future is not taken back', () => {
    const poller = new ForecastPoller({ now: () => t0, fetch: () => Promise.resolve(new Map()) });
    poller.setHubs([h]);
    expect(poller.restore(h.hub, kept([point()]), t0 + hour)).toBe(false);
  });
});

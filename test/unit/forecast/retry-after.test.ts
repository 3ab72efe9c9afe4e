// A provider's Retry-After holds across polls: the poller does not ask that hub again before the
// time the provider named, over real HTTP, with the clock moved by the test.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ForecastError } from '../../../src/forecast/errors.ts';
import { ForecastPoller, applyFetchResult, failureRetryBaseMs, initialHubState, maxRetryAfterHonouredMs } from '../../../src/forecast/poller.ts';
import { createForecastSource } from '../../../src/forecast/source.ts';
import { FakeClock } from '../../../src/runtime/fake-clock.ts';
import { fixture, hub } from './helpers.ts';
import { json, startServer, type TestServer } from './server.ts';

const t0 = Date.UTC(2026, 10, 29, 10, 0);
const second = 1000;
const hour = 3_600_000;
let server: TestServer;
beforeEach(async () => {
  server = await startServer();
});
afterEach(async () => {
  await server.close();
});

/** A poller on the real HTTP client; the provider is told what to answer per request. */
function setup(answers: ((res: Parameters<Parameters<TestServer['route']>[1]>[1]) => void)[], retries = 0) {
  const clock = new FakeClock(t0);
  let served = 0;
  // The URL names the current half-hour, so it moves with the clock.
  for (let at = t0; at <= t0 + 25 * hour; at += hour / 2) {
    server.route(`/regional/intensity/${new Date(at).toISOString().slice(0, 16)}Z/fw48h/regionid/3`, (_req, res) => {
      const answer = answers[Math.min(served, answers.length - 1)];
      served++;
      answer?.(res);
    });
  }
  const h = hub({}, { provider: 'UKCarbonIntensity', url: server.url, zone: '3', refreshIntervalMs: 15 * 60_000, maxStalenessMs: 3 * hour });
  const poller = new ForecastPoller({
    now: () => clock.now(),
    fetch: createForecastSource({ now: () => clock.now(), sleep: () => Promise.resolve(), random: () => 0.5, retries }),
  });
  poller.setHubs([h]);
  return { clock, poller, hub: h.hub, served: () => served };
}

const ok = (res: Parameters<typeof json>[0]) => { json(res, 200, fixture('uk-regionid.json')); };
const limited = (retryAfter: string, status = 429) => (res: Parameters<typeof json>[0]) => {
  json(res, status, { error: { code: String(status), message: 'slow down' } }, { 'retry-after': retryAfter });
};

describe('Retry-After across polls', () => {
  it('429 with Retry-After: 3600: no request before the hour is up, then one', async () => {
    const t = setup([limited('3600'), ok]);
    expect(await t.poller.poll()).toEqual([t.hub]);
    expect(t.poller.state(t.hub)?.lastError?.kind).toBe('RateLimited');
    expect(t.poller.state(t.hub)?.nextAttemptAtMs).toBe(t0 + hour);
    for (const wait of [5 * second, failureRetryBaseMs, 15 * 60_000, hour - 5 * second - failureRetryBaseMs - 15 * 60_000 - 1]) {
      await t.clock.advance(wait);
      expect(await t.poller.poll()).toEqual([]);
    }
    expect(t.served()).toBe(1);
    await t.clock.advance(1);
    expect(await t.poller.poll()).toEqual([t.hub]);
    expect(t.served()).toBe(2);
    expect(t.poller.state(t.hub)).toMatchObject({ lastError: null, consecutiveFailures: 0, fetchedAtMs: t0 + hour });
  });

  it('503 with Retry-After as an HTTP date', async () => {
    const t = setup([limited(new Date(t0 + 2 * hour).toUTCString(), 503), ok]);
    await t.poller.poll();
    expect(t.poller.state(t.hub)).toMatchObject({ lastError: { kind: 'Http' }, nextAttemptAtMs: t0 + 2 * hour });
    await t.clock.advance(2 * hour - 1);
    expect(await t.poller.poll()).toEqual([]);
    expect(t.served()).toBe(1);
  });

  it('a short Retry-After waited out within the call still counts after the last retry', async () => {
    // 45 s each time: waited twice within the call, then the third answer fails the poll
    const t = setup([limited('45')], 2);
    await t.poller.poll();
    expect(t.served()).toBe(3);
    expect(t.poller.state(t.hub)?.nextAttemptAtMs).toBe(t0 + 45 * second);
  });

  it('a Retry-After of ten days is honoured for a day', async () => {
    const t = setup([limited(String(10 * 24 * 3600)), ok]);
    await t.poller.poll();
    expect(t.poller.state(t.hub)?.nextAttemptAtMs).toBe(t0 + maxRetryAfterHonouredMs);
  });

  it('without Retry-After the backoff stays as it was', async () => {
    const t = setup([(res) => { json(res, 429, { message: 'slow down' }); }]);
    await t.poller.poll();
    expect(t.poller.state(t.hub)?.nextAttemptAtMs).toBe(t0 + failureRetryBaseMs);
  });
});

describe('applyFetchResult and Retry-After', () => {
  const spec = { refreshIntervalMs: 15 * 60_000 };
  it.each([
    ['none: the backoff', undefined, failureRetryBaseMs],
    ['shorter than the backoff: the backoff', 10 * second, failureRetryBaseMs],
    ['longer than the refresh interval: Retry-After', hour, hour],
    ['longer than a day: a day', 30 * 24 * hour, maxRetryAfterHonouredMs],
  ])('%s', (_name, retryAfterMs, expected) => {
    const error = new ForecastError('RateLimited', 'HTTP 429', { status: 429, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) });
    expect(applyFetchResult(initialHubState('h', t0), error, spec, t0).nextAttemptAtMs).toBe(t0 + expected);
  });
});

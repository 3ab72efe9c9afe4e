// Random and truncated bodies into every parser: the only thing that may escape is a
// ForecastError, and whatever is returned holds no NaN and keeps its points in order.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ForecastError } from '../../../src/forecast/errors.ts';
import { parseForecast } from '../../../src/forecast/parsers/index.ts';
import { parseOpenMeteoBatch } from '../../../src/forecast/parsers/open-meteo.ts';
import { providerNames, type Forecast } from '../../../src/forecast/types.ts';
import { fixture, hub, payload } from './helpers.ts';

const nowMs = Date.UTC(2026, 5, 1);
const samples: Record<string, unknown> = {
  OpenMeteo: fixture('open-meteo-single.json'),
  ElectricityMaps: fixture('electricity-maps-combined.json'),
  WattTime: payload('watttime_aiowatttime_forecasted_emissions_response.json'),
  CarbonAwareSDK: fixture('carbon-aware-sdk.json'),
  UKCarbonIntensity: fixture('uk-regionid.json'),
  Static: { points: [{ start: '2026-11-29T00:00:00Z', end: '2026-11-29T06:00:00Z', renewableShare: 0.4, carbonIntensity: 300 }] },
};

function wellFormed(f: Forecast): void {
  let previousEnd = -Infinity;
  for (const p of f.points) {
    for (const v of [p.carbonIntensity, p.renewableShare, p.renewableMW]) {
      if (v !== null) expect(Number.isFinite(v)).toBe(true);
    }
    if (p.renewableShare !== null) {
      expect(p.renewableShare).toBeGreaterThanOrEqual(0);
      expect(p.renewableShare).toBeLessThanOrEqual(1);
    }
    const start = Date.parse(p.start);
    expect(start).toBeGreaterThanOrEqual(previousEnd);
    previousEnd = Date.parse(p.end);
    expect(previousEnd).toBeGreaterThan(start);
  }
}

function onlyTypedErrors(run: () => Forecast): void {
  try {
    wellFormed(run());
  } catch (error) {
    if (!(error instanceof ForecastError)) throw error;
  }
}

/** Replace the value at a random path of a sample with a random JSON value. */
function mutate(value: unknown, path: number[], replacement: unknown): unknown {
  if (path.length === 0) return replacement;
  const [head = 0, ...rest] = path;
  if (Array.isArray(value)) {
    if (value.length === 0) return replacement;
    const i = head % value.length;
    return (value as unknown[]).map((v, j) => (j === i ? mutate(v, rest, replacement) : v));
  }
  if (typeof value === 'object' && value !== null) {
    const keys = Object.keys(value);
    if (keys.length === 0) return replacement;
    const key = keys[head % keys.length] as string;
    const record = value as Record<string, unknown>;
    return { ...record, [key]: mutate(record[key], rest, replacement) };
  }
  return replacement;
}

const anyJson = fc.oneof(
  fc.jsonValue(),
  fc.constantFrom(Number.NaN, Infinity, -1, 1e308, '', 'NaN', '12', null, [], {}, '2026-13-45T99:99Z'),
);

describe('parsers under random input', () => {
  for (const provider of providerNames) {
    it(`${provider}: random JSON`, () => {
      fc.assert(fc.property(fc.jsonValue(), (body) => {
        onlyTypedErrors(() => parseForecast(provider, body, { nowMs, hub: hub() }));
      }), { numRuns: 300 });
    });

    it(`${provider}: a real body with one value replaced`, () => {
      fc.assert(fc.property(fc.array(fc.nat(50), { maxLength: 6 }), anyJson, (path, replacement) => {
        const body = mutate(samples[provider], path, replacement);
        onlyTypedErrors(() => parseForecast(provider, body, { nowMs, hub: hub(), zone: provider === 'CarbonAwareSDK' ? 'eastus' : undefined }));
      }), { numRuns: 400 });
    });

    it(`${provider}: a truncated body`, () => {
      const text = JSON.stringify(samples[provider]);
      fc.assert(fc.property(fc.nat(text.length), (cut) => {
        let body: unknown;
        try {
          body = JSON.parse(text.slice(0, cut));
        } catch {
          return; // the HTTP shell turns non-JSON into a Schema error before a parser sees it
        }
        onlyTypedErrors(() => parseForecast(provider, body, { nowMs, hub: hub() }));
      }), { numRuns: 200 });
    });
  }

  it('OpenMeteo batches: per-hub results are forecasts or typed errors', () => {
    fc.assert(fc.property(fc.array(fc.nat(50), { maxLength: 6 }), anyJson, (path, replacement) => {
      const body = mutate([samples.OpenMeteo, samples.OpenMeteo], path, replacement);
      try {
        for (const r of parseOpenMeteoBatch(body, [hub(), hub({ hub: 'b' })], nowMs)) {
          if (!(r instanceof ForecastError)) wellFormed(r);
        }
      } catch (error) {
        if (!(error instanceof ForecastError)) throw error;
      }
    }), { numRuns: 300 });
  });
});

// Random and truncated bodies into every parser: the only thing that may escape is a
// ForecastError, and whatever is returned holds only physically possible numbers, at times near
// when it was received, in order.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ForecastError } from '../../../src/forecast/errors.ts';
import { parseForecast } from '../../../src/forecast/parsers/index.ts';
import { parseOpenMeteoBatch } from '../../../src/forecast/parsers/open-meteo.ts';
import { providerNames, type Forecast, type ProviderName } from '../../../src/forecast/types.ts';
import { maxOutputPerCapacity, physicalBounds, timeWindow } from '../../../src/forecast/validate.ts';
import { fixture, hub, payload } from './helpers.ts';

const nowMs = Date.UTC(2026, 5, 1);
/** When each sample was received, so that its own times are near "now". */
const receivedAt: Record<ProviderName, number> = {
  OpenMeteo: Date.UTC(2026, 5, 1, 3),
  ElectricityMaps: Date.UTC(2024, 2, 2, 12),
  WattTime: Date.UTC(2022, 6, 15),
  CarbonAwareSDK: Date.UTC(2022, 5, 1, 12),
  UKCarbonIntensity: Date.UTC(2026, 10, 29, 10),
  Static: Date.UTC(2026, 10, 29),
};
const samples: Record<string, unknown> = {
  OpenMeteo: fixture('open-meteo-single.json'),
  ElectricityMaps: fixture('electricity-maps-combined.json'),
  WattTime: payload('watttime_aiowatttime_forecasted_emissions_response.json'),
  CarbonAwareSDK: fixture('carbon-aware-sdk.json'),
  UKCarbonIntensity: fixture('uk-regionid.json'),
  Static: { points: [{ start: '2026-11-29T00:00:00Z', end: '2026-11-29T06:00:00Z', renewableShare: 0.4, carbonIntensity: 300 }] },
};

const capacityMW = hub().renewables.solarMW + hub().renewables.windMW;

function between(v: number, min: number, max: number): void {
  expect(v).toBeGreaterThanOrEqual(min);
  expect(v).toBeLessThanOrEqual(max);
}

/** Only what the physical world can give, at times near `at` (a declared Static schedule may be longer), ordered, no NaN. */
function wellFormed(f: Forecast, at: number): void {
  const windowed = f.provider !== 'Static';
  let previousEnd = -Infinity;
  expect(f.points.length).toBeGreaterThan(0);
  for (const p of f.points) {
    for (const v of [p.carbonIntensity, p.renewableShare, p.renewableMW]) {
      if (v !== null) expect(Number.isFinite(v)).toBe(true);
    }
    if (p.carbonIntensity !== null) between(p.carbonIntensity, physicalBounds.carbonIntensity.min, physicalBounds.carbonIntensity.max);
    if (p.renewableShare !== null) between(p.renewableShare, 0, 1);
    if (p.renewableMW !== null) between(p.renewableMW, 0, capacityMW * maxOutputPerCapacity);
    const start = Date.parse(p.start);
    expect(start).toBeGreaterThanOrEqual(previousEnd);
    previousEnd = Date.parse(p.end);
    expect(previousEnd).toBeGreaterThan(start);
    if (windowed) {
      between(start, at - timeWindow.pastMs, at + timeWindow.futureMs);
      between(previousEnd, at - timeWindow.pastMs, at + timeWindow.futureMs);
    }
  }
  // a forecast mostly of gaps is refused, so what is accepted carries values
  const withValue = f.points.filter((p) => p.carbonIntensity !== null || p.renewableShare !== null || p.renewableMW !== null);
  expect(withValue.length * 2).toBeGreaterThanOrEqual(f.points.length);
}

/** Runs a parse; returns whether it was accepted (and checked) or refused with a typed error. */
function onlyTypedErrors(run: () => Forecast, at = nowMs): boolean {
  try {
    wellFormed(run(), at);
    return true;
  } catch (error) {
    if (!(error instanceof ForecastError)) throw error;
    return false;
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
      const at = receivedAt[provider];
      fc.assert(fc.property(fc.array(fc.nat(50), { maxLength: 6 }), anyJson, (path, replacement) => {
        const body = mutate(samples[provider], path, replacement);
        onlyTypedErrors(() => parseForecast(provider, body, { nowMs: at, hub: hub(), zone: provider === 'CarbonAwareSDK' ? 'eastus' : undefined }), at);
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
        onlyTypedErrors(() => parseForecast(provider, body, { nowMs: receivedAt[provider], hub: hub() }), receivedAt[provider]);
      }), { numRuns: 200 });
    });
  }

  it('OpenMeteo batches: per-hub results are forecasts or typed errors', () => {
    fc.assert(fc.property(fc.array(fc.nat(50), { maxLength: 6 }), anyJson, (path, replacement) => {
      const body = mutate([samples.OpenMeteo, samples.OpenMeteo], path, replacement);
      try {
        for (const r of parseOpenMeteoBatch(body, [hub(), hub({ hub: 'b' })], receivedAt.OpenMeteo)) {
          if (!(r instanceof ForecastError)) wellFormed(r, receivedAt.OpenMeteo);
        }
      } catch (error) {
        if (!(error instanceof ForecastError)) throw error;
      }
    }), { numRuns: 300 });
  });
});

// Bodies of each provider's documented shape with arbitrary values: numbers anywhere from
// plausible to absurd, nulls, numeric strings, times from 1970 to 2199. Each run is either
// refused with a typed error or gives only physically possible numbers; both outcomes must occur,
// so the generators reach past the first checks.
const hourMs = 3_600_000;
/** Mostly a plausible number for the variable, sometimes a little past its bounds, null or absurd. */
function valueAround(min: number, max: number, plausibleWeight = 6) {
  const margin = (max - min) * 0.05;
  return fc.oneof(
    { weight: plausibleWeight, arbitrary: fc.double({ min, max, noNaN: true }) },
    { weight: 1, arbitrary: fc.oneof(fc.double({ min: min - margin, max: min, noNaN: true }), fc.double({ min: max, max: max + margin, noNaN: true })) },
    { weight: 1, arbitrary: fc.constant(null) },
    { weight: 1, arbitrary: fc.double() },
    { weight: 1, arbitrary: fc.constantFrom(1e9, -1e9, -500, 270, '40', 'NaN', Infinity) },
  );
}
const value = valueAround(0, 1000);
/** A start and n hourly times, mostly near `at`, sometimes in 1970 or 2199. */
function times(at: number, n: fc.Arbitrary<number> = fc.integer({ min: 1, max: 8 })) {
  const start = fc.oneof(
    { weight: 8, arbitrary: fc.integer({ min: -2 * 24, max: 24 }).map((h) => Math.floor(at / hourMs) * hourMs + h * hourMs) },
    { weight: 1, arbitrary: fc.constantFrom(Date.UTC(1970, 0, 1), Date.UTC(2199, 0, 1), at - 10 * 86_400_000, at + 30 * 86_400_000) },
  );
  return fc.tuple(start, n).map(([t0, count]) => Array.from({ length: count }, (_, i) => t0 + i * hourMs));
}
const iso = (ms: number) => new Date(ms).toISOString();

function shaped(provider: ProviderName, at: number): fc.Arbitrary<unknown> {
  switch (provider) {
    case 'OpenMeteo': {
      // seven variables per hour: few hours and mostly plausible values, or nothing would pass
      const series = (min: number, max: number, n: number) => fc.array(valueAround(min, max, 60), { minLength: n, maxLength: n });
      return times(at, fc.integer({ min: 1, max: 4 })).chain((ts) =>
        fc.record({
          utc_offset_seconds: fc.constant(0),
          hourly_units: fc.constant({ shortwave_radiation: 'W/m²', direct_normal_irradiance: 'W/m²', diffuse_radiation: 'W/m²', global_tilted_irradiance: 'W/m²', temperature_2m: '°C', wind_speed_80m: 'm/s', wind_speed_120m: 'm/s' }),
          hourly: fc.record({
            time: fc.constant(ts.map((t) => iso(t).slice(0, 16))),
            shortwave_radiation: series(0, 1500, ts.length),
            direct_normal_irradiance: series(0, 1500, ts.length),
            diffuse_radiation: series(0, 1500, ts.length),
            global_tilted_irradiance: series(0, 1500, ts.length),
            temperature_2m: series(-95, 65, ts.length),
            wind_speed_80m: series(0, 120, ts.length),
            wind_speed_120m: series(0, 120, ts.length),
          }),
        }));
    }
    case 'ElectricityMaps':
      return times(at).chain((ts) =>
        fc.record({
          carbonIntensity: fc.record({ zone: fc.constant('DE'), forecast: fc.tuple(...ts.map((t) => fc.record({ datetime: fc.constant(iso(t)), carbonIntensity: value }))) }),
          renewableEnergy: fc.record({ zone: fc.constant('DE'), data: fc.tuple(...ts.map((t) => fc.record({ datetime: fc.constant(iso(t)), value, unit: fc.constant('%') }))) }),
        }));
    case 'WattTime':
      return times(at).chain((ts) =>
        fc.record({
          data: fc.tuple(...ts.map((t) => fc.record({ point_time: fc.constant(iso(t)), value }))),
          meta: fc.record({ units: fc.constantFrom('lbs_co2_per_mwh', 'g_co2_per_kwh'), data_point_period_seconds: fc.constant(3600) }),
        }));
    case 'CarbonAwareSDK':
      return times(at).chain((ts) =>
        fc.constant(null).chain(() => fc.tuple(...ts.map((t) => fc.record({ timestamp: fc.constant(iso(t)), duration: fc.constant(60), value }))))
          .map((forecastData) => [{ location: 'eastus', forecastData }]));
    case 'UKCarbonIntensity': {
      const fuels = ['biomass', 'gas', 'nuclear', 'hydro', 'solar', 'wind'];
      const mix = fc.oneof(
        // shares that add up, as a real mix does
        fc.array(fc.nat(1000), { minLength: fuels.length, maxLength: fuels.length }).map((w) => {
          const sum = w.reduce((a, b) => a + b, 0) || 1;
          return fuels.map((fuel, i) => ({ fuel, perc: ((w[i] ?? 0) * 100) / sum }));
        }),
        fc.array(value, { minLength: fuels.length, maxLength: fuels.length }).map((v) => fuels.map((fuel, i) => ({ fuel, perc: v[i] }))),
      );
      return times(at).chain((ts) =>
        fc.tuple(...ts.map((t) => fc.record({ from: fc.constant(iso(t)), to: fc.constant(iso(t + hourMs)), intensity: fc.record({ forecast: value }), generationmix: mix })))
          .map((data) => ({ data: { regionid: 3, shortname: 'North West England', data } })));
    }
    case 'Static':
      return times(at).chain((ts) =>
        fc.tuple(...ts.map((t) => fc.record({ start: fc.constant(iso(t)), end: fc.constant(iso(t + hourMs)), renewableShare: value, carbonIntensity: value })))
          .map((points) => ({ points })));
  }
}

describe('parsers under random values in the documented shapes', () => {
  for (const provider of providerNames) {
    it(`${provider}: refused with a typed error or physically possible`, () => {
      const at = receivedAt[provider];
      let accepted = 0;
      let refused = 0;
      fc.assert(fc.property(shaped(provider, at), (body) => {
        if (onlyTypedErrors(() => parseForecast(provider, body, { nowMs: at, hub: hub() }), at)) accepted++;
        else refused++;
      }), { numRuns: 500 });
      expect(accepted).toBeGreaterThan(0);
      expect(refused).toBeGreaterThan(0);
    });
  }
});

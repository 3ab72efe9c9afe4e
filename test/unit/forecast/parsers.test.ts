import { describe, expect, it } from 'vitest';
import { ForecastError } from '../../../src/forecast/errors.ts';
import { parseCarbonAwareSdk } from '../../../src/forecast/parsers/carbon-aware-sdk.ts';
import { parseElectricityMaps } from '../../../src/forecast/parsers/electricity-maps.ts';
import { parseForecast } from '../../../src/forecast/parsers/index.ts';
import { parseOpenMeteo, parseOpenMeteoBatch, renewableShareOf } from '../../../src/forecast/parsers/open-meteo.ts';
import { parseStatic } from '../../../src/forecast/parsers/static.ts';
import { parseUkCarbonIntensity } from '../../../src/forecast/parsers/uk-carbon-intensity.ts';
import { parseWattTime } from '../../../src/forecast/parsers/watttime.ts';
import type { ProviderName } from '../../../src/forecast/types.ts';
import { fixture, hub, payload } from './helpers.ts';

// Point times are checked against the time a body was received, so each recorded body is read
// as if it had just arrived.
const nowMs = Date.UTC(2026, 5, 1, 0, 0);

function rejects(fn: () => unknown, kind: string, where?: string | RegExp): ForecastError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ForecastError);
    const e = error as ForecastError;
    expect(e.kind).toBe(kind);
    if (where !== undefined) expect(e.message).toMatch(where);
    return e;
  }
  throw new Error('expected a ForecastError');
}

function clone<T>(x: T): T {
  return structuredClone(x);
}

describe('OpenMeteo', () => {
  const body = fixture('open-meteo-single.json') as { hourly: Record<string, unknown[]>; hourly_units: Record<string, string> };

  it('models MW, share and intensity per hour, radiation belonging to the preceding hour', () => {
    const f = parseOpenMeteo(body, { nowMs, hub: hub() });
    expect(f.provider).toBe('OpenMeteo');
    expect(f.points.map((p) => p.start)).toEqual([
      '2026-06-01T03:00:00.000Z',
      '2026-06-01T04:00:00.000Z',
      '2026-06-01T05:00:00.000Z',
      '2026-06-01T06:00:00.000Z',
    ]);
    // 03–04: GTI 800 at 25 °C → 61.92 MW (hand computed in models.test); 15 m/s at 80 m is above rated → 200
    expect(f.points[0]?.renewableMW).toBeCloseTo(261.92, 9);
    // base load 100 MW → share capped at 1 → intensity 0
    expect(f.points[0]?.renewableShare).toBe(1);
    expect(f.points[0]?.carbonIntensity).toBe(0);
    // 05–06: no sun; wind mean(15, 30) = 22.5 at 80 m → ~23.2 at 100 m, still below cut-out
    expect(f.points[2]?.renewableMW).toBeCloseTo(200, 9);
    // 06–07: radiation missing → a gap, not a zero
    expect(f.points[3]).toMatchObject({ renewableMW: null, renewableShare: null, carbonIntensity: null });
    expect(f.points.every((p) => p.estimated)).toBe(true);
    // validUntil: now + maxStaleness (03:00) comes before the last point's end (07:00)
    expect(f.validUntil).toBe('2026-06-01T03:00:00.000Z');
  });

  it('share below the base load and intensity from the grid', () => {
    // solar only, base load 200: 61.92/200 = 0.3096, intensity 600·(1 − 0.3096) = 414.24
    const f = parseOpenMeteo(body, { nowMs, hub: hub({ renewables: { solarMW: 100, windMW: 0 }, baseLoadMW: 200 }) });
    expect(f.points[0]?.renewableShare).toBeCloseTo(0.3096, 12);
    expect(f.points[0]?.carbonIntensity).toBeCloseTo(414.24, 9);
    expect(renewableShareOf(150, hub({ baseLoadMW: 0 }))).toBeCloseTo(0.5, 12); // no base load: share of capacity
  });

  it('km/h wind is converted, unknown units are rejected', () => {
    const kmh = clone(body);
    kmh.hourly_units.wind_speed_80m = 'km/h';
    kmh.hourly.wind_speed_80m = [36, 36, 36, 36]; // 10 m/s
    const f = parseOpenMeteo(kmh, { nowMs, hub: hub({ renewables: { solarMW: 0, windMW: 100 } }) });
    // 10 m/s at 80 m → 10·1.25^(1/7) at 100 m
    const v = 10 * 1.25 ** (1 / 7);
    expect(f.points[0]?.renewableMW).toBeCloseTo((100 * (v ** 3 - 27)) / (1728 - 27), 9);
    const furlongs = clone(body);
    furlongs.hourly_units.wind_speed_80m = 'furlong/fortnight';
    rejects(() => parseOpenMeteo(furlongs, { nowMs, hub: hub() }), 'Units', 'hourly_units.wind_speed_80m');
  });

  it('local times are moved to UTC by utc_offset_seconds', () => {
    const local = { ...clone(body), utc_offset_seconds: 8 * 3600, timezone: 'Asia/Shanghai' };
    const f = parseOpenMeteo(local, { nowMs, hub: hub() });
    expect(f.points[0]?.end).toBe('2026-05-31T20:00:00.000Z');
  });

  it('rejects bad bodies with the place named', () => {
    const outOfOrder = clone(body);
    outOfOrder.hourly.time = ['2026-06-01T04:00', '2026-06-01T05:00', '2026-06-01T07:00', '2026-06-01T06:00'];
    rejects(() => parseOpenMeteo(outOfOrder, { nowMs, hub: hub() }), 'OutOfOrder', 'hourly.time[3]');
    const nan = clone(body);
    nan.hourly.temperature_2m = [25, 'NaN', 25, 25];
    rejects(() => parseOpenMeteo(nan, { nowMs, hub: hub() }), 'Schema', 'hourly.temperature_2m[1]');
    const short = clone(body);
    short.hourly.wind_speed_80m = [1, 2];
    rejects(() => parseOpenMeteo(short, { nowMs, hub: hub() }), 'Schema', 'hourly.wind_speed_80m');
    const allNull = clone(body);
    allNull.hourly.global_tilted_irradiance = [null, null, null, null];
    allNull.hourly.shortwave_radiation = [null, null, null, null];
    rejects(() => parseOpenMeteo(allNull, { nowMs, hub: hub() }), 'TooFewPoints');
    rejects(() => parseOpenMeteo({ error: true, reason: 'Latitude must be in range' }, { nowMs, hub: hub() }), 'Http', 'Latitude');
    rejects(() => parseOpenMeteo(body, { nowMs }), 'Config');
    // found by the property test: an absurd offset pushed times beyond what Date can hold
    rejects(() => parseOpenMeteo({ ...clone(body), utc_offset_seconds: -8638219702800 }, { nowMs, hub: hub() }), 'OutOfRange', 'utc_offset_seconds');
  });

  it('a batch answer is split per hub; one bad location fails only its hub', () => {
    const bad = clone(body);
    bad.hourly.time = ['x', 'y', 'z', 'w'];
    const results = parseOpenMeteoBatch([body, bad], [hub(), hub({ hub: 'ningxia' })], nowMs);
    expect(results[0]).not.toBeInstanceOf(ForecastError);
    expect(results[1]).toBeInstanceOf(ForecastError);
    expect((results[1] as ForecastError).message).toContain('[1].hourly.time[0]');
    rejects(() => parseOpenMeteoBatch([body], [hub(), hub({ hub: 'b' })], nowMs), 'Schema', '1 locations');
  });
});

describe('ElectricityMaps', () => {
  const nowMs = Date.UTC(2024, 2, 2, 12, 0);
  it('merges carbon and renewable forecasts, percent → fraction, string values', () => {
    const f = parseElectricityMaps(fixture('electricity-maps-combined.json'), { nowMs });
    expect(f.points).toHaveLength(3);
    expect(f.points[0]).toMatchObject({ start: '2024-03-02T13:00:00.000Z', end: '2024-03-02T14:00:00.000Z', carbonIntensity: 322, renewableShare: 0.555, estimated: false });
    expect(f.points[1]).toMatchObject({ carbonIntensity: 300, renewableShare: 0.6, estimated: true });
    expect(f.points[2]).toMatchObject({ carbonIntensity: null, renewableShare: 0.62 });
  });

  it('takes either body alone under `forecast` or `data`', () => {
    const ci = { zone: 'DE', data: [{ carbonIntensity: 100, datetime: '2024-03-02T13:00:00.000Z' }, { carbonIntensity: 110, datetime: '2024-03-02T14:00:00.000Z' }] };
    expect(parseElectricityMaps(ci, { nowMs }).points.map((p) => p.carbonIntensity)).toEqual([100, 110]);
    const re = { zone: 'DE', forecast: [{ datetime: '2024-03-02T13:00:00Z', value: '40', unit: '%' }] };
    expect(parseElectricityMaps(re, { nowMs }).points[0]?.renewableShare).toBeCloseTo(0.4, 12);
  });

  it('rejects wrong units, percentages out of range, errors', () => {
    const re = (value: unknown, unit = '%') => ({ zone: 'DE', forecast: [{ datetime: '2024-03-02T13:00:00Z', value, unit }] });
    rejects(() => parseElectricityMaps(re(40, 'MW'), { nowMs }), 'Units', 'forecast[0].unit');
    rejects(() => parseElectricityMaps(re(140), { nowMs }), 'OutOfRange', 'forecast[0].value');
    rejects(() => parseElectricityMaps(re('forty'), { nowMs }), 'Schema', 'forecast[0].value');
    rejects(() => parseElectricityMaps({ error: 'Token unauthorized for zoneKey' }, { nowMs }), 'Http', 'unauthorized');
    rejects(() => parseElectricityMaps({ zone: 'DE', forecast: [] }, { nowMs }), 'TooFewPoints');
  });
});

describe('WattTime', () => {
  const nowMs = Date.UTC(2024, 0, 1, 0, 0);
  it('real historical-forecast body: lbs/MWh → g/kWh, 5-minute points averaged to the hour', () => {
    const f = parseWattTime(payload('watttime_aiowatttime_forecasted_emissions_response.json'), { nowMs: Date.UTC(2022, 6, 15) });
    // three 5-minute points of 870 lbs/MWh in one hour → one point 00:00–00:15 at 870·0.4536
    expect(f.points).toEqual([
      { start: '2022-07-15T00:00:00.000Z', end: '2022-07-15T00:15:00.000Z', carbonIntensity: 870 * 0.4536, renewableShare: null, renewableMW: null, estimated: false },
    ]);
  });

  it('current body; keeps 5-minute points when asked; means per hour', () => {
    const data = Array.from({ length: 15 }, (_, i) => ({ point_time: new Date(Date.UTC(2024, 0, 1, 0, 5 * i)).toISOString(), value: i < 12 ? 1000 : 2000 }));
    const body = { data, meta: { data_point_period_seconds: 300, units: 'lbs_co2_per_mwh' } };
    const hourly = parseWattTime(body, { nowMs });
    expect(hourly.points).toHaveLength(2);
    expect(hourly.points[0]?.carbonIntensity).toBeCloseTo(453.6, 9);
    expect(hourly.points[1]).toMatchObject({ start: '2024-01-01T01:00:00.000Z', end: '2024-01-01T01:15:00.000Z' });
    expect(hourly.points[1]?.carbonIntensity).toBeCloseTo(907.2, 9);
    expect(parseWattTime(body, { nowMs }, { hourly: false }).points).toHaveLength(15);
  });

  it('rejects errors, percentiles, disorder', () => {
    rejects(() => parseWattTime(payload('watttime_aiowatttime_invalid_scope_response.json'), { nowMs }), 'Http', 'Invalid scope');
    rejects(() => parseWattTime(payload('watttime_aiowatttime_coordinates_not_found_response.json'), { nowMs }), 'Http', 'No coverage');
    rejects(() => parseWattTime(payload('watttime_aiowatttime_realtime_emissions_response.json'), { nowMs }), 'Units', 'percentile');
    rejects(() => parseWattTime(fixture('watttime-out-of-order.json'), { nowMs }), 'OutOfOrder', '$.data[1].point_time');
    const hugePeriod = { data: [{ point_time: '2024-01-01T00:00:00Z', value: 1 }], meta: { units: 'lbs_co2_per_mwh', data_point_period_seconds: 1e300 } };
    rejects(() => parseWattTime(hugePeriod, { nowMs }), 'Schema', 'data_point_period_seconds');
    const farFuture = { data: [{ point_time: '+275760-09-13T00:00:00Z', value: 1 }], meta: { units: 'lbs_co2_per_mwh' } };
    rejects(() => parseWattTime(farFuture, { nowMs }), 'Schema', '$.data[0].point_time');
  });
});

describe('CarbonAwareSDK', () => {
  const nowMs = Date.UTC(2022, 5, 1, 12, 0);
  it('reads forecastData, picks the location, accepts both optimal keys', () => {
    const body = fixture('carbon-aware-sdk.json');
    const east = parseCarbonAwareSdk(body, { nowMs });
    expect(east.points.map((p) => p.carbonIntensity)).toEqual([364.1, 359.2, 361.0]);
    expect(east.points[0]).toMatchObject({ start: '2022-06-01T12:00:00.000Z', end: '2022-06-01T12:05:00.000Z' });
    const west = parseCarbonAwareSdk(body, { nowMs, zone: 'WestUS' });
    expect(west.points.map((p) => p.carbonIntensity)).toEqual([210, 220]);
    rejects(() => parseCarbonAwareSdk(body, { nowMs, zone: 'northeurope' }), 'Schema', 'northeurope');
  });

  it('problem details become an Http error', () => {
    rejects(() => parseCarbonAwareSdk({ type: 'x', title: 'Bad Request', status: 400, detail: 'location is required' }, { nowMs }), 'Http', 'location is required');
  });
});

describe('UKCarbonIntensity', () => {
  const nowMs = Date.UTC(2019, 7, 25, 12, 30);
  it('national real payload: 48 half-hours, forecast values', () => {
    const f = parseUkCarbonIntensity(payload('gbci_national_intensity_range.json'), { nowMs });
    expect(f.points).toHaveLength(48);
    expect(f.points[0]).toMatchObject({ start: '2019-08-25T12:30:00.000Z', end: '2019-08-25T13:00:00.000Z', carbonIntensity: 183, renewableShare: null });
  });

  it('regional real payload by shortname and regionid: share = wind + solar + hydro', () => {
    const body = payload('gbci_regional_intensity_range.min.json');
    const byName = parseUkCarbonIntensity(body, { nowMs, zone: 'north scotland' });
    // first half-hour, North Scotland: hydro 33.6 + solar 0 + wind 60.2 = 93.8 %
    expect(byName.points[0]).toMatchObject({ carbonIntensity: 23 });
    expect(byName.points[0]?.renewableShare).toBeCloseTo(0.938, 12);
    const byId = parseUkCarbonIntensity(body, { nowMs, zone: '1' });
    expect(byId.points).toEqual(byName.points);
    expect(byId.points).toHaveLength(48);
    rejects(() => parseUkCarbonIntensity(body, { nowMs }), 'Config', 'zone');
    rejects(() => parseUkCarbonIntensity(body, { nowMs, zone: 'Atlantis' }), 'Schema', '$.data[0].regions');
  });

  it('the /regionid/N shape where data is an object; biomass not counted', () => {
    const f = parseUkCarbonIntensity(fixture('uk-regionid.json'), { nowMs: Date.UTC(2026, 10, 29, 10, 0) });
    // hydro 5 + solar 10 + wind 25 = 40 % (biomass 10 left out)
    expect(f.points[0]?.renewableShare).toBeCloseTo(0.4, 12);
    expect(f.points[1]?.renewableShare).toBeCloseTo(0.5, 12);
    rejects(() => parseUkCarbonIntensity(fixture('uk-regionid.json'), { nowMs: Date.UTC(2026, 10, 29, 10, 0), zone: '7' }), 'Config');
  });

  it('the real 400 envelope is an Http error with its message', () => {
    rejects(() => parseUkCarbonIntensity(payload('gbci_error_400.json'), { nowMs }), 'Http', 'valid datetime');
  });
});

describe('Static', () => {
  const nowMs = Date.UTC(2026, 10, 29, 0, 0);
  it('a constant becomes 48 hourly points from the current hour', () => {
    const f = parseStatic({ renewableShare: 0.85, carbonIntensity: 110 }, { nowMs: Date.UTC(2026, 10, 29, 10, 20) });
    expect(f.points).toHaveLength(48);
    expect(f.points[0]).toMatchObject({ start: '2026-11-29T10:00:00.000Z', end: '2026-11-29T11:00:00.000Z', renewableShare: 0.85, carbonIntensity: 110 });
    expect(f.validUntil).toBe('2026-12-01T10:00:00.000Z');
  });

  it('explicit points, checked', () => {
    const points = [
      { start: '2026-11-29T00:00:00Z', end: '2026-11-29T06:00:00Z', renewableShare: 0.4, carbonIntensity: 300 },
      { start: '2026-11-29T05:00:00Z', end: '2026-11-29T08:00:00Z', renewableShare: 0.5, carbonIntensity: 200 },
    ];
    rejects(() => parseStatic({ points }, { nowMs }), 'OutOfOrder', 'static.points[1]');
    rejects(() => parseStatic({ renewableShare: 85, carbonIntensity: 110 }, { nowMs }), 'OutOfRange', 'static.renewableShare');
    const ok = parseStatic({ points: points.slice(0, 1) }, { nowMs });
    expect(ok.validUntil).toBe('2026-11-29T06:00:00.000Z');
  });
});

describe('parseForecast', () => {
  it('turns any failure into a ForecastError', () => {
    for (const provider of ['OpenMeteo', 'ElectricityMaps', 'WattTime', 'CarbonAwareSDK', 'UKCarbonIntensity', 'Static'] as ProviderName[]) {
      expect(() => parseForecast(provider, 'not a body', { nowMs, hub: hub() })).toThrow(ForecastError);
    }
  });
});

describe('the time window', () => {
  const at = Date.UTC(2026, 10, 29, 10, 0);
  const em = (datetime: string) => ({ zone: 'DE', forecast: [{ carbonIntensity: 300, datetime }] });
  it.each([
    ['3 days before', '2026-11-26T10:00:00Z', true],
    ['a minute more than 3 days before', '2026-11-26T09:59:00Z', false],
    ['ending 17 days after', '2026-12-16T09:00:00Z', true],
    ['ending a minute past 17 days after', '2026-12-16T09:01:00Z', false],
    ['1970', '1970-01-01T00:00:00Z', false],
    ['2199', '2199-01-01T00:00:00Z', false],
  ])('a provider point %s: taken %s', (_name, datetime, taken) => {
    if (taken) expect(parseElectricityMaps(em(datetime), { nowMs: at }).points).toHaveLength(1);
    else rejects(() => parseElectricityMaps(em(datetime), { nowMs: at }), 'OutOfRange', '$.forecast[0]');
  });

  it('a declared Static schedule may reach past it; its values may not', () => {
    const month = { points: [{ start: '2026-11-01T00:00:00Z', end: '2026-12-31T00:00:00Z', renewableShare: 0.5, carbonIntensity: 200 }] };
    expect(parseStatic(month, { nowMs: at }).points).toHaveLength(1);
    rejects(() => parseStatic({ points: [{ ...month.points[0], carbonIntensity: 1e9 }] }, { nowMs: at }), 'OutOfRange', 'static.points[0].carbonIntensity');
  });
});

// Open-Meteo hourly weather → MW of the hub's own solar and wind → renewable share and carbon
// intensity. Radiation values are the mean of the preceding hour, so the value stamped t belongs
// to the point [t-1h, t); wind and temperature are instantaneous, so the point takes the mean of
// the two ends.
import { ForecastError } from '../errors.ts';
import { defaultPvParams, defaultSurface, poaForInterval, pvPowerMW } from '../models/pv.ts';
import { defaultHubHeightM, scaleWindSpeed, windPowerMW } from '../models/wind.ts';
import { arr, iso, num, numOrNull, obj, schemaError, str, time, type JsonObject } from '../read.ts';
import { checkPoints, physicalBounds, within, type Bound } from '../validate.ts';
import type { HubForecastRequest } from '../request.ts';
import type { Forecast, ForecastPoint } from '../types.ts';
import { buildForecast, type ParseContext } from './context.ts';

export const openMeteoHourlyVariables = [
  'shortwave_radiation',
  'direct_normal_irradiance',
  'diffuse_radiation',
  'global_tilted_irradiance',
  'temperature_2m',
  'wind_speed_80m',
  'wind_speed_120m',
] as const;

const hourMs = 3_600_000;
/** Time zones lie within ±18 h of UTC (ISO 8601's limit). */
const utcOffsetBound = { min: -18 * 3600, max: 18 * 3600, unit: 's' };
const windHeights = { wind_speed_80m: 80, wind_speed_120m: 120 } as const;

/** Multiplier to m/s for Open-Meteo's wind units. */
const windUnitToMs: Record<string, number> = { 'm/s': 1, 'km/h': 1 / 3.6, 'mp/h': 0.44704, mph: 0.44704, kn: 0.514444 };

/** Share of the hub's own need covered by its renewables (see docs/forecasts.md). */
export function renewableShareOf(renewableMW: number, hub: HubForecastRequest): number {
  if (hub.baseLoadMW > 0) return Math.min(1, renewableMW / hub.baseLoadMW);
  const capacity = hub.renewables.solarMW + hub.renewables.windMW;
  return capacity > 0 ? Math.min(1, renewableMW / capacity) : 0;
}

interface Series {
  times: number[];
  values: Partial<Record<(typeof openMeteoHourlyVariables)[number], (number | null)[]>>;
}

function readSeries(body: JsonObject, path: string): Series {
  const hourly = obj(body.hourly, `${path}hourly`);
  const units = body.hourly_units === undefined ? {} : obj(body.hourly_units, `${path}hourly_units`);
  const offset = body.utc_offset_seconds === undefined ? 0 : within(num(body.utc_offset_seconds, `${path}utc_offset_seconds`), utcOffsetBound, `${path}utc_offset_seconds`);
  const rawTimes = arr(hourly.time, `${path}hourly.time`);
  const times = rawTimes.map((t, i) => time(t, `${path}hourly.time[${i}]`, offset));
  times.forEach((t, i) => {
    const prev = times[i - 1];
    if (prev !== undefined && t <= prev) {
      throw new ForecastError('OutOfOrder', `${path}hourly.time[${i}]: ${iso(t)} is not after ${iso(prev)}`);
    }
  });

  const values: Series['values'] = {};
  for (const name of openMeteoHourlyVariables) {
    if (hourly[name] === undefined) continue;
    const raw = arr(hourly[name], `${path}hourly.${name}`);
    if (raw.length !== times.length) {
      throw schemaError(`${path}hourly.${name}`, `${raw.length} values for ${times.length} times`);
    }
    const unit = units[name];
    let factor = 1;
    let bound: Bound = physicalBounds.irradiance;
    if (name.startsWith('wind_speed')) {
      const u = str(unit, `${path}hourly_units.${name}`);
      const f = windUnitToMs[u];
      if (f === undefined) throw new ForecastError('Units', `${path}hourly_units.${name}: unknown wind unit "${u}"`);
      factor = f;
      bound = physicalBounds.windSpeed;
    } else if (name === 'temperature_2m') {
      const u = str(unit, `${path}hourly_units.${name}`);
      if (u !== '°C') throw new ForecastError('Units', `${path}hourly_units.${name}: expected °C, got "${u}"`);
      bound = physicalBounds.temperature;
    } else if (unit !== undefined) {
      const u = str(unit, `${path}hourly_units.${name}`);
      if (u !== 'W/m²') throw new ForecastError('Units', `${path}hourly_units.${name}: expected W/m², got "${u}"`);
    }
    values[name] = raw.map((v, i) => {
      const n = numOrNull(v, `${path}hourly.${name}[${i}]`);
      return n === null ? null : within(n * factor, bound, `${path}hourly.${name}[${i}]`);
    });
  }
  return { times, values };
}

function mean(a: number | null | undefined, b: number | null | undefined): number | null {
  if (a == null) return b ?? null;
  if (b == null) return a;
  return (a + b) / 2;
}

/** Wind at the hub height from the 80 m series, or the 120 m series when 80 m is missing. */
function hubWind(series: Series, i: number): number | null {
  for (const name of ['wind_speed_80m', 'wind_speed_120m'] as const) {
    const s = series.values[name];
    if (s === undefined) continue;
    const v = mean(s[i - 1], s[i]);
    if (v !== null) return scaleWindSpeed(Math.max(0, v), windHeights[name], defaultHubHeightM);
  }
  return null;
}

function poaAt(series: Series, i: number, interval: { startMs: number; endMs: number }, hub: HubForecastRequest): number | null {
  const gti = series.values.global_tilted_irradiance?.[i];
  if (gti != null) return Math.max(0, gti);
  const ghi = series.values.shortwave_radiation?.[i];
  const dni = series.values.direct_normal_irradiance?.[i];
  const dhi = series.values.diffuse_radiation?.[i];
  if (ghi == null || dni == null || dhi == null) return null;
  return poaForInterval({ ghi, dni, dhi }, interval, hub.location, defaultSurface(hub.location.latitude));
}

function pointsFor(series: Series, hub: HubForecastRequest): ForecastPoint[] {
  const { solarMW, windMW } = hub.renewables;
  const points: ForecastPoint[] = [];
  series.times.forEach((endMs, i) => {
    const startMs = endMs - hourMs;
    let solar: number | null = 0;
    if (solarMW > 0) {
      const poa = poaAt(series, i, { startMs, endMs }, hub);
      const air = mean(series.values.temperature_2m?.[i - 1], series.values.temperature_2m?.[i]);
      solar = poa === null || air === null ? null : pvPowerMW(poa, air, { ...defaultPvParams, ratedMW: solarMW });
    }
    let wind: number | null = 0;
    if (windMW > 0) {
      const v = hubWind(series, i);
      wind = v === null ? null : windPowerMW(v, windMW);
    }
    // A missing input leaves a gap (nulls) rather than an optimistic zero.
    const mw = solar === null || wind === null ? null : solar + wind;
    const share = mw === null ? null : renewableShareOf(mw, hub);
    points.push({
      start: iso(startMs),
      end: iso(endMs),
      carbonIntensity: share === null ? null : hub.gridCarbonIntensity * (1 - share),
      renewableShare: share,
      renewableMW: mw,
      estimated: true,
    });
  });
  return points;
}

function requireHub(ctx: ParseContext): HubForecastRequest {
  if (ctx.hub === undefined) {
    throw new ForecastError('Config', 'OpenMeteo needs the hub (location and renewable capacity) to model power');
  }
  return ctx.hub;
}

function parseLocation(body: unknown, path: string, hub: HubForecastRequest, ctx: ParseContext): Forecast {
  const o = obj(body, path === '' ? '$' : path.slice(0, -1));
  if (o.error === true) {
    throw new ForecastError('Http', `Open-Meteo error: ${typeof o.reason === 'string' ? o.reason : 'no reason given'}`);
  }
  const series = readSeries(o, path);
  const points = pointsFor(series, hub);
  checkPoints(points, `${path}hourly.time`, { ...ctx, hub });
  return buildForecast('OpenMeteo', points, { ...ctx, hub });
}

/** One location: a single object, or the first element of an array body. */
export function parseOpenMeteo(body: unknown, ctx: ParseContext): Forecast {
  const hub = requireHub(ctx);
  if (Array.isArray(body)) {
    if (body.length === 0) throw new ForecastError('TooFewPoints', '$: empty array, one location expected');
    return parseLocation(body[0], '[0].', hub, ctx);
  }
  return parseLocation(body, '', hub, ctx);
}

/**
 * The answer to one request for several hubs (comma-separated coordinates): element i belongs
 * to hubs[i]. The result is per hub, so one location with bad data fails only its own hub.
 */
export function parseOpenMeteoBatch(
  body: unknown,
  hubs: HubForecastRequest[],
  nowMs: number,
): (Forecast | ForecastError)[] {
  // One coordinate is answered with a bare object, several with an array.
  const single = hubs.length === 1 && !Array.isArray(body);
  const list = single ? [body] : arr(body, '$');
  if (list.length !== hubs.length) {
    throw schemaError('$', `${list.length} locations in the answer for ${hubs.length} requested`);
  }
  return hubs.map((hub, i) => {
    try {
      return parseLocation(list[i], single ? '' : `[${i}].`, hub, { nowMs, hub });
    } catch (error) {
      if (error instanceof ForecastError) return error;
      throw error;
    }
  });
}

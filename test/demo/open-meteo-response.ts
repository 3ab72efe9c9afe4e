// The body of an Open-Meteo `/v1/forecast` answer built from the demo's synthetic weather. Pure
// over the query, the real and the simulated time.
//
// The hourly series starts at the current real UTC hour, because the operator plans over real
// time; its values come from the compressed simulated clock: the real instant realNow + x carries
// the weather of the simulated instant simNow + x (one real hour of forecast is one simulated
// hour), so the hour the operator judges a move over is the simulated hour from now, and each
// poll sees a new one.
import { poaForInterval, type Surface } from '../../src/forecast/models/pv.ts';
import { defaultHubHeightM, scaleWindSpeed } from '../../src/forecast/models/wind.ts';
import { hourMs } from './sim-clock.ts';
import type { Location, SyntheticWeather } from './weather.ts';

export const syntheticNote = 'SYNTHETIC: seeded weather model of the Westward demo, on a compressed clock; not a measurement';

const units: Record<string, string> = {
  shortwave_radiation: 'W/m²',
  direct_normal_irradiance: 'W/m²',
  diffuse_radiation: 'W/m²',
  global_tilted_irradiance: 'W/m²',
  temperature_2m: '°C',
  wind_speed_10m: 'm/s',
  wind_speed_80m: 'm/s',
  wind_speed_120m: 'm/s',
  wind_speed_180m: 'm/s',
};

const windUnits: Record<string, { unit: string; perMs: number }> = {
  ms: { unit: 'm/s', perMs: 1 },
  kmh: { unit: 'km/h', perMs: 3.6 },
};

export interface OpenMeteoAnswer {
  status: number;
  body: unknown;
}

function badRequest(reason: string): OpenMeteoAnswer {
  return { status: 400, body: { error: true, reason } };
}

/** 2026-11-29T11:00, GMT without a zone suffix, as Open-Meteo writes it. */
function openMeteoTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16);
}

function round1(v: number): number {
  return Math.round(v * 10) / 10;
}

function coordinates(text: string | null, name: string): number[] | string {
  if (text === null || text === '') return `Parameter '${name}' is required`;
  const values = text.split(',').map(Number);
  if (values.some((v) => !Number.isFinite(v))) return `Parameter '${name}' is not a list of numbers`;
  return values;
}

export function openMeteoAnswer(query: URLSearchParams, realNowMs: number, simNowMs: number, weather: SyntheticWeather): OpenMeteoAnswer {
  const lats = coordinates(query.get('latitude'), 'latitude');
  const lons = coordinates(query.get('longitude'), 'longitude');
  if (typeof lats === 'string') return badRequest(lats);
  if (typeof lons === 'string') return badRequest(lons);
  if (lats.length !== lons.length) return badRequest('Parameter \'latitude\' and \'longitude\' must have the same number of elements');
  const timezone = query.get('timezone') ?? 'GMT';
  if (timezone !== 'GMT' && timezone !== 'UTC') return badRequest('This demo server only answers in timezone=GMT');
  const variables = (query.get('hourly') ?? '').split(',').filter((v) => v !== '');
  const unknown = variables.find((v) => units[v] === undefined);
  if (unknown !== undefined) return badRequest(`Cannot initialize ForecastVariable from invalid String value ${unknown}.`);
  const wind = windUnits[query.get('wind_speed_unit') ?? 'kmh'];
  if (wind === undefined) return badRequest('This demo server answers wind_speed_unit=ms or kmh');
  const days = Number(query.get('forecast_days') ?? '7');
  if (!Number.isInteger(days) || days < 1 || days > 16) return badRequest('Parameter \'forecast_days\' must be between 1 and 16');
  // Open-Meteo's azimuth: 0 = south, -90 = east; ours: degrees clockwise from north.
  const surface: Surface = { tiltDeg: Number(query.get('tilt') ?? '0'), azimuthDeg: Number(query.get('azimuth') ?? '0') + 180, albedo: 0.2 };

  const realHour = Math.floor(realNowMs / hourMs) * hourMs;
  const hours = days * 24;
  const times = Array.from({ length: hours }, (_, i) => realHour + i * hourMs);
  const simAt = (realMs: number): number => simNowMs + (realMs - realNowMs);

  const locations = lats.map((latitude, n) => {
    const location: Location = { latitude, longitude: lons[n] ?? 0 };
    const hourly: Record<string, (number | string)[]> = { time: times.map(openMeteoTime) };
    const hourlyUnits: Record<string, string> = { time: 'iso8601' };
    for (const name of variables) {
      hourlyUnits[name] = name.startsWith('wind_speed') ? wind.unit : units[name] ?? '';
      hourly[name] = times.map((t) => {
        const sim = simAt(t);
        if (name === 'temperature_2m') return round1(weather.instant(location, sim).airC);
        if (name.startsWith('wind_speed')) {
          const height = Number(/(\d+)m$/.exec(name)?.[1] ?? defaultHubHeightM);
          return round1(scaleWindSpeed(weather.instant(location, sim).windMs, defaultHubHeightM, height) * wind.perMs);
        }
        // Radiation stamped t is the mean of the hour before t.
        const start = sim - hourMs;
        const irradiance = weather.irradiance(location, start);
        if (name === 'shortwave_radiation') return round1(irradiance.ghi);
        if (name === 'direct_normal_irradiance') return round1(irradiance.dni);
        if (name === 'diffuse_radiation') return round1(irradiance.dhi);
        return round1(poaForInterval(irradiance, { startMs: start, endMs: sim }, location, surface));
      });
    }
    return {
      latitude,
      longitude: location.longitude,
      generationtime_ms: 0.1,
      utc_offset_seconds: 0,
      timezone: 'GMT',
      timezone_abbreviation: 'GMT',
      synthetic: { note: syntheticNote, simulatedNow: new Date(simNowMs).toISOString() },
      hourly_units: hourlyUnits,
      hourly,
    };
  });
  return { status: 200, body: locations.length === 1 ? locations[0] : locations };
}

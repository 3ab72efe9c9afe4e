// The demo's forecast server answers in the shape the project's own Open-Meteo client asks for and
// its parser reads, lays the simulated weather on the real clock, and refuses what Open-Meteo
// refuses.
import { describe, expect, it } from 'vitest';
import { openMeteoUrl } from '../../../src/forecast/clients/urls.ts';
import { sunPosition } from '../../../src/forecast/models/solar-position.ts';
import { parseOpenMeteoBatch } from '../../../src/forecast/parsers/open-meteo.ts';
import type { HubForecastRequest } from '../../../src/forecast/request.ts';
import { openMeteoAnswer } from '../../../test/demo/open-meteo-response.ts';
import { chinaOffsetMs, hourMs, simulatedDay } from '../../../test/demo/sim-clock.ts';
import { SyntheticWeather } from '../../../test/demo/weather.ts';

function hub(name: string, latitude: number, longitude: number): HubForecastRequest {
  return {
    hub: name,
    location: { latitude, longitude },
    renewables: { solarMW: 1200, windMW: 1500 },
    baseLoadMW: 150,
    gridCarbonIntensity: 560,
    pue: 1.15,
    forecast: { provider: 'OpenMeteo', url: 'http://127.0.0.1:1', refreshIntervalMs: 10_000, maxStalenessMs: 300_000 },
  };
}

const hubs = [hub('gansu', 35.71, 107.64), hub('hebei', 40.77, 114.88), hub('guizhou', 26.43, 106.26)];
const realNow = Date.UTC(2026, 10, 29, 11, 37, 12);
/** Simulated local midnight and noon of the demo's day. */
const simMidnight = simulatedDay - chinaOffsetMs;
const simNoon = simMidnight + 12 * hourMs;

type Location = { hourly: Record<string, (number | string)[]>; hourly_units: Record<string, string> };

function answer(hs: HubForecastRequest[], simNow: number, weather = new SyntheticWeather(7, simMidnight - 24 * hourMs), now = realNow) {
  const query = new URL(openMeteoUrl('http://127.0.0.1:1', hs)).searchParams;
  return openMeteoAnswer(query, now, simNow, weather);
}

describe('openMeteoAnswer', () => {
  it('is read by the project parser: one forecast per hub, hourly from the current real hour', () => {
    const { status, body } = answer(hubs, simNoon);
    expect(status).toBe(200);
    expect(Array.isArray(body)).toBe(true);
    const results = parseOpenMeteoBatch(body, hubs, realNow);
    for (const result of results) {
      if (result instanceof Error) throw result;
      const starts = result.points.map((p) => Date.parse(p.start));
      // Radiation stamped t covers the hour before t: the first stamp is the current real hour.
      expect(starts[0]).toBe(Date.UTC(2026, 10, 29, 10) /* the hour before 11:00 */);
      expect(result.points.length).toBeGreaterThanOrEqual(48);
    }
    const first = (body as Location[])[0];
    expect(first?.hourly.time?.[0]).toBe('2026-11-29T11:00');
    expect(String(first?.hourly.time?.[0])).not.toMatch(/Z$/);
    expect(first?.hourly_units.wind_speed_80m).toBe('m/s');
  });

  it('answers one coordinate with a bare object, as Open-Meteo does', () => {
    const { body } = answer([hubs[0] ?? hub('x', 0, 0)], simNoon);
    expect(Array.isArray(body)).toBe(false);
    expect((body as { latitude: number }).latitude).toBeCloseTo(35.71, 4);
  });

  it('lays the simulated weather on the real clock: one simulated hour later is the series shifted by one slot', () => {
    const weather = new SyntheticWeather(7, simMidnight - 24 * hourMs);
    const a = (answer(hubs, simNoon, weather).body as Location[])[1]?.hourly ?? {};
    const b = (answer(hubs, simNoon + hourMs, weather).body as Location[])[1]?.hourly ?? {};
    for (const name of ['global_tilted_irradiance', 'temperature_2m', 'wind_speed_80m']) {
      expect(b[name]?.slice(0, 40), name).toEqual(a[name]?.slice(1, 41));
    }
  });

  it('has no sun at simulated midnight and sun at simulated noon', () => {
    // The slot the operator calls "now" holds the simulated hour from now; index 1 ends it.
    const night = (answer(hubs, simMidnight).body as Location[])[0]?.hourly ?? {};
    const noon = (answer(hubs, simNoon).body as Location[])[0]?.hourly ?? {};
    const [lat, lon] = [35.71, 107.64];
    // Independent check of the premise: the sun is down at that simulated instant and up at noon.
    expect(sunPosition(simMidnight, lat, lon).zenithDeg).toBeGreaterThan(90);
    expect(sunPosition(simNoon, lat, lon).zenithDeg).toBeLessThan(60);
    expect(night.global_tilted_irradiance?.[1]).toBe(0);
    expect(night.shortwave_radiation?.[1]).toBe(0);
    expect(Number(noon.global_tilted_irradiance?.[1])).toBeGreaterThan(100);
  });

  it('is the same for the same seed, and differs between places', () => {
    const a = answer(hubs, simNoon).body as Location[];
    const b = answer(hubs, simNoon).body as Location[];
    expect(a).toEqual(b);
    expect(a[0]?.hourly.wind_speed_80m).not.toEqual(a[1]?.hourly.wind_speed_80m);
  });

  it('refuses what Open-Meteo refuses, with its error shape', () => {
    const weather = new SyntheticWeather(1, simMidnight);
    const bad = (q: string): { status: number; body: unknown } => openMeteoAnswer(new URLSearchParams(q), realNow, simNoon, weather);
    for (const q of [
      'latitude=1,2&longitude=3&hourly=temperature_2m',
      'latitude=1&longitude=3&hourly=snowfall_water',
      'longitude=3&hourly=temperature_2m',
      'latitude=1&longitude=3&hourly=temperature_2m&forecast_days=40',
    ]) {
      const r = bad(q);
      expect(r.status, q).toBe(400);
      expect(r.body, q).toMatchObject({ error: true, reason: expect.any(String) as string });
    }
  });

  it('converts wind to km/h when no unit is asked for', () => {
    const weather = new SyntheticWeather(1, simMidnight);
    const q = 'latitude=35&longitude=105&hourly=wind_speed_80m&forecast_days=1';
    const kmh = openMeteoAnswer(new URLSearchParams(q), realNow, simNoon, weather).body as Location;
    const ms = openMeteoAnswer(new URLSearchParams(`${q}&wind_speed_unit=ms`), realNow, simNoon, weather).body as Location;
    expect(kmh.hourly_units.wind_speed_80m).toBe('km/h');
    const k = Number(kmh.hourly.wind_speed_80m?.[3]);
    const m = Number(ms.hourly.wind_speed_80m?.[3]);
    expect(k).toBeCloseTo(m * 3.6, 0);
    expect(kmh.hourly.time?.length).toBe(24);
  });
});

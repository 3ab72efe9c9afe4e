// Public endpoints and URL builders, pure so tests can read what is asked for.
import type { HubForecastRequest } from '../request.ts';
import { openMeteoHourlyVariables } from '../parsers/open-meteo.ts';
import { defaultSurface } from '../models/pv.ts';

export const defaultBaseUrls = {
  OpenMeteo: 'https://api.open-meteo.com',
  ElectricityMaps: 'https://api.electricitymap.org',
  WattTime: 'https://api.watttime.org',
  CarbonAwareSDK: 'http://localhost:8080',
  UKCarbonIntensity: 'https://api.carbonintensity.org.uk',
} as const;

export function baseUrl(hub: HubForecastRequest, fallback: string): string {
  const url = hub.forecast.url;
  return (url === undefined || url === '' ? fallback : url).replace(/\/+$/, '');
}

/**
 * One request for several hubs. The tilt and azimuth of the first hub's default surface are
 * used for global_tilted_irradiance (Open-Meteo takes one plane per request; 0 = facing south);
 * hubs in one batch sit at similar latitudes, and GHI/DNI/DHI are asked too for transposition.
 */
export function openMeteoUrl(base: string, hubs: HubForecastRequest[], forecastDays = 3): string {
  const first = hubs[0];
  const surface = defaultSurface(first?.location.latitude ?? 0);
  const params = new URLSearchParams({
    latitude: hubs.map((h) => h.location.latitude.toFixed(4)).join(','),
    longitude: hubs.map((h) => h.location.longitude.toFixed(4)).join(','),
    hourly: openMeteoHourlyVariables.join(','),
    wind_speed_unit: 'ms',
    timezone: 'GMT',
    forecast_days: String(forecastDays),
    tilt: String(Math.round(surface.tiltDeg)),
    azimuth: String(Math.round(surface.azimuthDeg - 180)),
  });
  return `${base}/v1/forecast?${params.toString()}`;
}

/**
 * The start of the current half-hour (the UK API's step) in the form it wants, 2019-08-25T12:30Z;
 * rounding keeps the URL stable within a half-hour so responses can be cached.
 */
export function ukTime(ms: number): string {
  const halfHour = 30 * 60_000;
  return `${new Date(Math.floor(ms / halfHour) * halfHour).toISOString().slice(0, 16)}Z`;
}

// What every parser is told besides the body.
import type { HubForecastRequest } from '../request.ts';
import type { Forecast, ForecastPoint, ProviderName } from '../types.ts';
import { iso } from '../read.ts';

export interface ParseContext {
  /** epoch ms the body was received; becomes `fetchedAt` */
  nowMs: number;
  /** the hub the forecast is for; needed by weather-based providers, optional for the others */
  hub?: HubForecastRequest;
  /** region/location key selecting one series in multi-region bodies; falls back to hub.forecast.zone */
  zone?: string;
}

export function zoneOf(ctx: ParseContext): string | undefined {
  const zone = ctx.zone ?? ctx.hub?.forecast.zone;
  return zone === undefined || zone === '' ? undefined : zone;
}

/**
 * The forecast is trusted until its last point ends or the hub's maxStaleness has passed since
 * the fetch, whichever comes first.
 */
export function buildForecast(provider: ProviderName, points: ForecastPoint[], ctx: ParseContext): Forecast {
  const last = points[points.length - 1];
  let validUntil = last === undefined ? ctx.nowMs : Date.parse(last.end);
  if (ctx.hub !== undefined) validUntil = Math.min(validUntil, ctx.nowMs + ctx.hub.forecast.maxStalenessMs);
  return { provider, fetchedAt: iso(ctx.nowMs), validUntil: iso(validUntil), points };
}

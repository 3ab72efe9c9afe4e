// Green Software Foundation Carbon Aware SDK WebAPI, /emissions/forecasts/current: an array with
// one entry per location, each with `forecastData` points (g/kWh, duration in minutes). The
// optimal point is under `optimalDataPoints` or (older versions) `optimalDataPoint`; it is only
// checked for shape, the planner makes its own choice.
import { ForecastError } from '../errors.ts';
import { arr, iso, isObject, num, obj, str, time } from '../read.ts';
import { checkPoints, physicalBounds, within } from '../validate.ts';
import type { Forecast, ForecastPoint } from '../types.ts';
import { buildForecast, zoneOf, type ParseContext } from './context.ts';

export function parseCarbonAwareSdk(body: unknown, ctx: ParseContext): Forecast {
  if (isObject(body) && (typeof body.title === 'string' || typeof body.status === 'number')) {
    // ASP.NET problem details.
    const detail = typeof body.detail === 'string' ? `: ${body.detail}` : '';
    throw new ForecastError('Http', `Carbon Aware SDK error: ${String(body.title)}${detail}`);
  }
  const list = arr(body, '$');
  const zone = zoneOf(ctx);
  let index = 0;
  if (zone !== undefined) {
    index = list.findIndex((e) => isObject(e) && typeof e.location === 'string' && e.location.toLowerCase() === zone.toLowerCase());
    if (index < 0) throw new ForecastError('Schema', `$: no entry for location "${zone}"`);
  }
  if (list.length === 0) throw new ForecastError('TooFewPoints', '$: no locations in the answer');
  const entry = obj(list[index], `$[${index}]`);
  if (entry.optimalDataPoints !== undefined) arr(entry.optimalDataPoints, `$[${index}].optimalDataPoints`);
  else if (entry.optimalDataPoint !== undefined && entry.optimalDataPoint !== null) obj(entry.optimalDataPoint, `$[${index}].optimalDataPoint`);

  const path = `$[${index}].forecastData`;
  const data = arr(entry.forecastData, path);
  let prevStart = -Infinity;
  const points = data.map((raw, i): ForecastPoint => {
    const p = obj(raw, `${path}[${i}]`);
    const start = time(p.timestamp, `${path}[${i}].timestamp`);
    if (start <= prevStart) throw new ForecastError('OutOfOrder', `${path}[${i}].timestamp: ${iso(start)} is not after ${iso(prevStart)}`);
    prevStart = start;
    const minutes = num(p.duration, `${path}[${i}].duration`);
    if (minutes <= 0 || minutes > 7 * 1440) throw new ForecastError('Schema', `${path}[${i}].duration: must be between 0 and a week of minutes`);
    if (p.location !== undefined) str(p.location, `${path}[${i}].location`);
    return {
      start: iso(start),
      end: iso(start + minutes * 60_000),
      carbonIntensity: within(num(p.value, `${path}[${i}].value`), physicalBounds.carbonIntensity, `${path}[${i}].value`),
      renewableShare: null,
      renewableMW: null,
      estimated: false,
    };
  });
  return buildForecast('CarbonAwareSDK', checkPoints(points, path, ctx), ctx);
}

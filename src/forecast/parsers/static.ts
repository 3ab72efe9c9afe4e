// The Static provider: values declared in the Hub spec, for hubs whose operator publishes no
// API. A constant becomes hourly points over the horizon from the start of the current hour.
import { arr, iso, num, obj, time } from '../read.ts';
import { checkPoints, physicalBounds, within } from '../validate.ts';
import type { Forecast, ForecastPoint } from '../types.ts';
import { buildForecast, type ParseContext } from './context.ts';

const hourMs = 3_600_000;
export const staticHorizonMs = 48 * hourMs;

export function parseStatic(body: unknown, ctx: ParseContext): Forecast {
  const spec = obj(body ?? ctx.hub?.forecast.static, 'static');
  if (spec.points === undefined) {
    const share = within(num(spec.renewableShare, 'static.renewableShare'), physicalBounds.share, 'static.renewableShare');
    const ci = within(num(spec.carbonIntensity, 'static.carbonIntensity'), physicalBounds.carbonIntensity, 'static.carbonIntensity');
    const from = Math.floor(ctx.nowMs / hourMs) * hourMs;
    const points: ForecastPoint[] = [];
    for (let t = from; t < from + staticHorizonMs; t += hourMs) {
      points.push({ start: iso(t), end: iso(t + hourMs), carbonIntensity: ci, renewableShare: share, renewableMW: null, estimated: false });
    }
    // A constant never goes stale by itself: it is valid for as long as the spec says so.
    return { provider: 'Static', fetchedAt: iso(ctx.nowMs), validUntil: iso(from + staticHorizonMs), points };
  }
  const list = arr(spec.points, 'static.points');
  const points = list.map((raw, i): ForecastPoint => {
    const p = obj(raw, `static.points[${i}]`);
    return {
      start: iso(time(p.start, `static.points[${i}].start`)),
      end: iso(time(p.end, `static.points[${i}].end`)),
      renewableShare: within(num(p.renewableShare, `static.points[${i}].renewableShare`), physicalBounds.share, `static.points[${i}].renewableShare`),
      carbonIntensity: within(num(p.carbonIntensity, `static.points[${i}].carbonIntensity`), physicalBounds.carbonIntensity, `static.points[${i}].carbonIntensity`),
      renewableMW: null,
      estimated: false,
    };
  });
  // Explicit intervals are valid until the last one ends, whatever the hub's maxStaleness.
  return buildForecast('Static', checkPoints(points, 'static.points', { nowMs: ctx.nowMs, timeWindow: false }), { nowMs: ctx.nowMs });
}

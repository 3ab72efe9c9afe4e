// WattTime v3 forecast: marginal operating emissions rate (MOER). Accepts the current-forecast
// body (`data: [{point_time, value}]`) and the historical-forecast body (`data: [{generated_at,
// forecast: [...]}]`, of which the newest run is used). Units are converted to g/kWh; the
// 5-minute points are averaged to hours by default.
import { ForecastError } from '../errors.ts';
import { arr, iso, num, obj, str, time } from '../read.ts';
import { checkPoints, physicalBounds, within } from '../validate.ts';
import type { Forecast, ForecastPoint } from '../types.ts';
import { buildForecast, type ParseContext } from './context.ts';

const hourMs = 3_600_000;
const lbsPerMWhToGPerKWh = 0.4536;
const toGPerKWh: Record<string, number> = {
  lbs_co2_per_mwh: lbsPerMWhToGPerKWh,
  'lbs_co2e_per_mwh': lbsPerMWhToGPerKWh,
  g_co2_per_kwh: 1,
  'g_co2e_per_kwh': 1,
  kg_co2_per_mwh: 1,
};

export interface WattTimeOptions {
  /** average the 5-minute points into hourly points (default true) */
  hourly?: boolean;
}

function readPoints(list: unknown[], path: string, periodMs: number, factor: number): ForecastPoint[] {
  let prev = -Infinity;
  return list.map((raw, i) => {
    const it = obj(raw, `${path}[${i}]`);
    const t = time(it.point_time, `${path}[${i}].point_time`);
    if (t <= prev) throw new ForecastError('OutOfOrder', `${path}[${i}].point_time: ${iso(t)} is not after ${iso(prev)}`);
    prev = t;
    const value = within(num(it.value, `${path}[${i}].value`) * factor, physicalBounds.carbonIntensity, `${path}[${i}].value (in g/kWh)`);
    return { start: iso(t), end: iso(t + periodMs), carbonIntensity: value, renewableShare: null, renewableMW: null, estimated: false };
  });
}

/** Mean per UTC hour; a bucket spans from its first point's start to its last point's end. */
export function aggregateHourly(points: ForecastPoint[]): ForecastPoint[] {
  const buckets = new Map<number, ForecastPoint[]>();
  for (const p of points) {
    const hour = Math.floor(Date.parse(p.start) / hourMs);
    const bucket = buckets.get(hour) ?? [];
    bucket.push(p);
    buckets.set(hour, bucket);
  }
  return [...buckets.values()].map((bucket) => {
    const first = bucket[0] as ForecastPoint;
    const last = bucket[bucket.length - 1] as ForecastPoint;
    const values = bucket.map((p) => p.carbonIntensity ?? 0);
    return {
      start: first.start,
      end: last.end,
      carbonIntensity: values.reduce((a, b) => a + b, 0) / values.length,
      renewableShare: null,
      renewableMW: null,
      estimated: bucket.some((p) => p.estimated),
    };
  });
}

export function parseWattTime(body: unknown, ctx: ParseContext, options: WattTimeOptions = {}): Forecast {
  const o = obj(body, '$');
  if (o.error !== undefined) {
    const detail = typeof o.message === 'string' ? `: ${o.message}` : '';
    throw new ForecastError('Http', `WattTime error: ${typeof o.error === 'string' ? o.error : 'unknown'}${detail}`);
  }
  const meta = obj(o.meta, '$.meta');
  const units = str(meta.units, '$.meta.units');
  const factor = toGPerKWh[units];
  if (factor === undefined) {
    throw new ForecastError('Units', `$.meta.units: "${units}" is not an emissions rate (expected lbs_co2_per_mwh)`);
  }
  const periodS = meta.data_point_period_seconds === undefined ? 300 : num(meta.data_point_period_seconds, '$.meta.data_point_period_seconds');
  if (periodS <= 0 || periodS > 86_400) throw new ForecastError('Schema', '$.meta.data_point_period_seconds: must be between 1 s and a day');

  const data = arr(o.data, '$.data');
  let list: unknown[] = data;
  let path = '$.data';
  const first: unknown = data[0];
  if (typeof first === 'object' && first !== null && 'forecast' in first) {
    // Historical body: one entry per forecast run; use the newest.
    let newest = -Infinity;
    data.forEach((raw, i) => {
      const run = obj(raw, `$.data[${i}]`);
      const generated = time(run.generated_at, `$.data[${i}].generated_at`);
      if (generated > newest) {
        newest = generated;
        list = arr(run.forecast, `$.data[${i}].forecast`);
        path = `$.data[${i}].forecast`;
      }
    });
  }
  const points = checkPoints(readPoints(list, path, periodS * 1000, factor), path, ctx);
  return buildForecast('WattTime', options.hourly === false ? points : aggregateHourly(points), ctx);
}

/** The token from a /login body. */
export function parseWattTimeLogin(body: unknown): string {
  const token = str(obj(body, '$').token, '$.token');
  if (token === '') throw new ForecastError('Auth', '$.token: empty token');
  return token;
}

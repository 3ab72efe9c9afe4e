// Electricity Maps v3: the carbon-intensity forecast and the renewable-energy forecast, merged by
// datetime. Either body alone is accepted, or both as {carbonIntensity, renewableEnergy} (what
// the client hands over). The item array is under `forecast` or `data` depending on the client
// that recorded it; `value` may be a string.
import { ForecastError } from '../errors.ts';
import { arr, iso, isObject, numOrNull, obj, str, stepOf, time, type JsonObject } from '../read.ts';
import { checkPoints, physicalBounds, within } from '../validate.ts';
import type { Forecast, ForecastPoint } from '../types.ts';
import { buildForecast, type ParseContext } from './context.ts';

const hourMs = 3_600_000;

interface Item {
  t: number;
  carbonIntensity?: number | null;
  renewableShare?: number | null;
  estimated: boolean;
}

function items(body: unknown, path: string): { list: unknown[]; path: string } {
  const o = obj(body, path);
  if (typeof o.error === 'string' || (typeof o.message === 'string' && o.forecast === undefined && o.data === undefined)) {
    const text = typeof o.error === 'string' ? o.error : String(o.message);
    throw new ForecastError('Http', `Electricity Maps error: ${text}`);
  }
  if (o.forecast !== undefined) return { list: arr(o.forecast, `${path}.forecast`), path: `${path}.forecast` };
  return { list: arr(o.data, `${path}.data`), path: `${path}.data` };
}

function readCarbon(body: unknown, path: string): Item[] {
  const { list, path: p } = items(body, path);
  return list.map((raw, i) => {
    const it = obj(raw, `${p}[${i}]`);
    const ci = numOrNull(it.carbonIntensity, `${p}[${i}].carbonIntensity`);
    return {
      t: time(it.datetime, `${p}[${i}].datetime`),
      carbonIntensity: ci === null ? null : within(ci, physicalBounds.carbonIntensity, `${p}[${i}].carbonIntensity`),
      estimated: it.isEstimated === true,
    };
  });
}

function readRenewable(body: unknown, path: string): Item[] {
  const { list, path: p } = items(body, path);
  return list.map((raw, i) => {
    const it = obj(raw, `${p}[${i}]`);
    const unit = it.unit === undefined ? '%' : str(it.unit, `${p}[${i}].unit`);
    if (unit !== '%') throw new ForecastError('Units', `${p}[${i}].unit: expected "%", got "${unit}"`);
    const pct = numOrNull(it.value, `${p}[${i}].value`);
    return {
      t: time(it.datetime, `${p}[${i}].datetime`),
      renewableShare: pct === null ? null : within(pct, physicalBounds.percent, `${p}[${i}].value`) / 100,
      estimated: it.isEstimated === true,
    };
  });
}

function isCarbonBody(body: JsonObject): boolean {
  const list = Array.isArray(body.forecast) ? body.forecast : Array.isArray(body.data) ? body.data : [];
  const first: unknown = list[0];
  return isObject(first) && 'carbonIntensity' in first;
}

function ordered(list: Item[], path: string): Item[] {
  list.forEach((it, i) => {
    const prev = list[i - 1];
    if (prev !== undefined && it.t <= prev.t) {
      throw new ForecastError('OutOfOrder', `${path}[${i}].datetime: ${iso(it.t)} is not after ${iso(prev.t)}`);
    }
  });
  return list;
}

export function parseElectricityMaps(body: unknown, ctx: ParseContext): Forecast {
  const o = obj(body, '$');
  let carbon: Item[] = [];
  let renewable: Item[] = [];
  // the series the points are named after in messages: carbon intensity when there is one
  let path = '$.forecast';
  if (o.carbonIntensity !== undefined && isObject(o.carbonIntensity)) {
    carbon = ordered(readCarbon(o.carbonIntensity, 'carbonIntensity'), 'carbonIntensity.forecast');
    if (o.renewableEnergy !== undefined) {
      renewable = ordered(readRenewable(o.renewableEnergy, 'renewableEnergy'), 'renewableEnergy.forecast');
    }
    path = carbon.length > 0 || renewable.length === 0 ? 'carbonIntensity.forecast' : 'renewableEnergy.forecast';
  } else if (isCarbonBody(o)) {
    carbon = ordered(readCarbon(o, '$'), '$.forecast');
  } else {
    renewable = ordered(readRenewable(o, '$'), '$.forecast');
  }

  // Merge by time; each point runs to the next time of its own series (hourly by default).
  const byTime = new Map<number, ForecastPoint & { t: number }>();
  const stepMs = stepOf((carbon.length > 0 ? carbon : renewable).map((x) => x.t), hourMs);
  for (const it of [...carbon, ...renewable]) {
    const p = byTime.get(it.t) ?? {
      t: it.t,
      start: iso(it.t),
      end: iso(it.t + stepMs),
      carbonIntensity: null,
      renewableShare: null,
      renewableMW: null,
      estimated: false,
    };
    if (it.carbonIntensity !== undefined) p.carbonIntensity = it.carbonIntensity;
    if (it.renewableShare !== undefined) p.renewableShare = it.renewableShare;
    p.estimated ||= it.estimated;
    byTime.set(it.t, p);
  }
  const points = [...byTime.values()]
    .sort((a, b) => a.t - b.t)
    .map(({ t: _t, ...p }) => p);
  // A renewable series with a different step can overlap the carbon grid; clip each point's end.
  points.forEach((p, i) => {
    const next = points[i + 1];
    if (next !== undefined && Date.parse(p.end) > Date.parse(next.start)) p.end = next.start;
  });
  return buildForecast('ElectricityMaps', checkPoints(points, path, ctx), ctx);
}

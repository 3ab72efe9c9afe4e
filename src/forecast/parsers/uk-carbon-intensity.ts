// UK Carbon Intensity API (NESO). Three shapes:
// - regional, all regions: {data: [{from, to, regions: [{regionid, shortname, intensity, generationmix}]}]}
//   (a zone, the regionid or shortname, picks the region);
// - regional, one region (/regionid/N): {data: {regionid, shortname, data: [{from, to, intensity, generationmix}]}};
// - national: {data: [{from, to, intensity: {forecast, actual, index}}]} (no generation mix).
// Renewable share counts wind, solar and hydro; biomass is left out because it burns fuel with
// real stack emissions, and our share is meant as the zero-carbon part of the supply.
import { ForecastError } from '../errors.ts';
import { arr, iso, isObject, num, numOrNull, obj, str, time, type JsonObject } from '../read.ts';
import { checkMixSum, checkPoints, physicalBounds, within } from '../validate.ts';
import type { Forecast, ForecastPoint } from '../types.ts';
import { buildForecast, zoneOf, type ParseContext } from './context.ts';

export const ukRenewableFuels: ReadonlySet<string> = new Set(['wind', 'solar', 'hydro']);

function shareFromMix(mix: unknown, path: string): number | null {
  if (mix === undefined) return null;
  const list = arr(mix, path);
  if (list.length === 0) return null;
  let pct = 0;
  let total = 0;
  list.forEach((raw, i) => {
    const m = obj(raw, `${path}[${i}]`);
    const fuel = str(m.fuel, `${path}[${i}].fuel`);
    const perc = within(num(m.perc, `${path}[${i}].perc`), physicalBounds.percent, `${path}[${i}].perc`);
    total += perc;
    if (ukRenewableFuels.has(fuel)) pct += perc;
  });
  checkMixSum(total, path);
  // Rounded to 1e-6 so float noise in the sum does not show in the output; the sum may pass 100
  // by the rounding the tolerance allows.
  return Math.min(1, Math.round(pct * 1e4) / 1e6);
}

function pointOf(entry: JsonObject, intervalPath: string, path: string): ForecastPoint {
  const start = time(entry.from, `${intervalPath}.from`);
  const end = time(entry.to, `${intervalPath}.to`);
  const intensity = obj(entry.intensity, `${path}.intensity`);
  // Past half-hours carry `actual`; the forecast is what the planner compares across time.
  const forecast = numOrNull(intensity.forecast, `${path}.intensity.forecast`);
  return {
    start: iso(start),
    end: iso(end),
    carbonIntensity: forecast === null ? null : within(forecast, physicalBounds.carbonIntensity, `${path}.intensity.forecast`),
    renewableShare: shareFromMix(entry.generationmix, `${path}.generationmix`),
    renewableMW: null,
    estimated: false,
  };
}

function matchesZone(region: JsonObject, zone: string): boolean {
  const z = zone.trim().toLowerCase();
  return String(region.regionid) === z || (typeof region.shortname === 'string' && region.shortname.toLowerCase() === z);
}

function ordered(points: ForecastPoint[], path: string): ForecastPoint[] {
  points.forEach((p, i) => {
    const prev = points[i - 1];
    if (prev !== undefined && Date.parse(p.start) < Date.parse(prev.end)) {
      throw new ForecastError('OutOfOrder', `${path}[${i}].from: ${p.start} is before the previous interval ends`);
    }
  });
  return points;
}

export function parseUkCarbonIntensity(body: unknown, ctx: ParseContext): Forecast {
  const o = obj(body, '$');
  if (isObject(o.error)) {
    const message = typeof o.error.message === 'string' ? o.error.message : 'no message';
    throw new ForecastError('Http', `UK Carbon Intensity error ${String(o.error.code)}: ${message}`);
  }
  const zone = zoneOf(ctx);

  if (isObject(o.data)) {
    // One region: /regional/intensity/{from}/fw48h/regionid/N
    const region = o.data;
    if (zone !== undefined && !matchesZone(region, zone)) {
      throw new ForecastError('Config', `$.data: region ${String(region.regionid)} is not the requested zone "${zone}"`);
    }
    const list = arr(region.data, '$.data.data');
    const points = list.map((raw, i) => {
      const p = `$.data.data[${i}]`;
      return pointOf(obj(raw, p), p, p);
    });
    return buildForecast('UKCarbonIntensity', checkPoints(ordered(points, '$.data.data'), '$.data.data', ctx), ctx);
  }

  const list = arr(o.data, '$.data');
  const first: unknown = list[0];
  const regional = isObject(first) && first.regions !== undefined;
  const points = list.map((raw, i) => {
    const p = `$.data[${i}]`;
    const entry = obj(raw, p);
    if (!regional) return pointOf(entry, p, p);
    if (zone === undefined) {
      throw new ForecastError('Config', '$.data: the answer holds several regions; give a zone (regionid or shortname)');
    }
    const regions = arr(entry.regions, `${p}.regions`);
    const at = regions.findIndex((r) => isObject(r) && matchesZone(r, zone));
    if (at < 0) throw new ForecastError('Schema', `${p}.regions: no region "${zone}"`);
    return pointOf({ ...obj(regions[at], `${p}.regions[${at}]`), from: entry.from, to: entry.to }, p, `${p}.regions[${at}]`);
  });
  return buildForecast('UKCarbonIntensity', checkPoints(ordered(points, '$.data'), '$.data', ctx), ctx);
}

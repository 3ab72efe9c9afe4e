// What provider data must satisfy before it is trusted, one set of rules for every parser and so
// for the operator and `westward forecast parse` alike: physically possible values, times near
// now, enough points with a value, order. A body that breaks a rule is refused whole, never
// clamped or half-used.
import { ForecastError } from './errors.ts';
import type { HubForecastRequest } from './request.ts';
import type { ForecastPoint } from './types.ts';

export interface Bound {
  min: number;
  max: number;
  unit: string;
}

/** Limits no real measurement or forecast goes past; a value outside is a broken or hostile body. */
export const physicalBounds = {
  /** W/m² at the ground; the sun gives 1361 above the atmosphere, cloud-edge peaks stay below 1500 */
  irradiance: { min: 0, max: 1500, unit: 'W/m²' },
  /** air at 2 m; the records are −89.2 °C and 56.7 °C */
  temperature: { min: -95, max: 65, unit: '°C' },
  /** wind at hub heights; the strongest gust measured is 113 m/s */
  windSpeed: { min: 0, max: 120, unit: 'm/s' },
  /** of grid power; lignite, the dirtiest source, is about 1200 (the CRD's gridCarbonIntensity has the same ceiling) */
  carbonIntensity: { min: 0, max: 2000, unit: 'gCO2/kWh' },
  percent: { min: 0, max: 100, unit: '%' },
  share: { min: 0, max: 1, unit: '' },
} as const satisfies Record<string, Bound>;

/**
 * Modelled output may pass a PV array's rating in cold, bright light (about 1.3× at the bounds
 * above); twice the installed capacity takes weather no sky gives (full beam and full diffuse
 * light at once), so more is refused as a broken body.
 */
export const maxOutputPerCapacity = 2;

/** Forecast times live within this window around the time the body was received. */
export const timeWindow = { pastMs: 3 * 86_400_000, futureMs: 17 * 86_400_000 };

/** At least this share of a series' points must carry a value; a mostly-null series is no forecast. */
export const minUsableShare = 0.5;

/** A generation mix in percent must add up to 100 within this (sources round each fuel to 0.1). */
export const mixSumTolerancePct = 1;

function show(value: number, unit: string): string {
  return unit === '' ? String(value) : `${value} ${unit}`;
}

export function within(value: number, bound: Bound, path: string): number {
  if (!(value >= bound.min && value <= bound.max)) {
    throw new ForecastError('OutOfRange', `${path}: ${show(value, bound.unit)} is outside the possible ${bound.min}..${show(bound.max, bound.unit)}`);
  }
  return value;
}

/** A generation mix (percent per source) that does not add up to 100 is refused, not rescaled. */
export function checkMixSum(totalPct: number, path: string): void {
  if (Math.abs(totalPct - 100) > mixSumTolerancePct) {
    throw new ForecastError('OutOfRange', `${path}: sources add up to ${Math.round(totalPct * 10) / 10} %, not 100 %`);
  }
}

function withinWindow(ms: number, nowMs: number, path: string): void {
  if (ms < nowMs - timeWindow.pastMs || ms > nowMs + timeWindow.futureMs) {
    const days = (d: number): string => `${Math.round(d / 86_400_000)} days`;
    throw new ForecastError(
      'OutOfRange',
      `${path}: ${new Date(ms).toISOString()} is not within ${days(timeWindow.pastMs)} before and ${days(timeWindow.futureMs)} after ${new Date(nowMs).toISOString()}`,
    );
  }
}

function usable(p: ForecastPoint): boolean {
  return p.carbonIntensity !== null || p.renewableShare !== null || p.renewableMW !== null;
}

export interface CheckContext {
  /** epoch ms the body was received */
  nowMs: number;
  /** for the capacity the modelled MW is checked against */
  hub?: HubForecastRequest;
  /**
   * false for a schedule the Hub declares itself (Static): a month-long plan is intent, not a
   * broken answer; it still needs real dates and is used only while it lasts
   */
  timeWindow?: boolean;
}

/**
 * The last checks every parser runs on its points: enough usable points, strictly increasing
 * and non-overlapping, within the time window, every value finite and physically possible.
 * Paths name the provider's own array so the message points into the body.
 */
export function checkPoints(points: ForecastPoint[], path: string, ctx: CheckContext, minPoints = 1): ForecastPoint[] {
  const withValue = points.filter(usable).length;
  const needed = Math.max(minPoints, Math.ceil(points.length * minUsableShare));
  if (withValue < needed) {
    throw new ForecastError(
      'TooFewPoints',
      `${path}: ${withValue} of ${points.length} point(s) carry a value, at least ${needed} needed`,
    );
  }
  const capacity = ctx.hub === undefined ? undefined : ctx.hub.renewables.solarMW + ctx.hub.renewables.windMW;
  let previousEnd = -Infinity;
  points.forEach((p, i) => {
    const start = Date.parse(p.start);
    const end = Date.parse(p.end);
    if (!(end > start)) throw new ForecastError('OutOfOrder', `${path}[${i}]: ends at or before it starts`);
    if (start < previousEnd) {
      throw new ForecastError('OutOfOrder', `${path}[${i}]: starts at ${p.start}, before the previous point ends`);
    }
    if (ctx.timeWindow !== false) {
      withinWindow(start, ctx.nowMs, `${path}[${i}]`);
      withinWindow(end, ctx.nowMs, `${path}[${i}]`);
    }
    for (const key of ['carbonIntensity', 'renewableShare', 'renewableMW'] as const) {
      const v = p[key];
      if (v !== null && !Number.isFinite(v)) throw new ForecastError('Schema', `${path}[${i}]: ${key} is not a finite number`);
    }
    if (p.carbonIntensity !== null) within(p.carbonIntensity, physicalBounds.carbonIntensity, `${path}[${i}] carbonIntensity`);
    if (p.renewableShare !== null) within(p.renewableShare, physicalBounds.share, `${path}[${i}] renewableShare`);
    if (p.renewableMW !== null) {
      const max = capacity === undefined ? Infinity : capacity * maxOutputPerCapacity;
      within(p.renewableMW, { min: 0, max, unit: 'MW' }, `${path}[${i}] renewableMW`);
    }
    previousEnd = end;
  });
  return points;
}

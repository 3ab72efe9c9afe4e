// The normalised forecast every provider is parsed into. Plain serialisable data: it is what a
// Hub's status carries and what the planner and the simulator read.

import { forecastProviders } from '../api/constants.ts';

/** The providers of `spec.forecast.provider`, as the CRD lists them. */
export const providerNames = forecastProviders;
export type ProviderName = (typeof providerNames)[number];

/** One UTC interval [start, end). Each signal is null where the source does not give it. */
export interface ForecastPoint {
  /** ISO 8601 UTC, e.g. 2026-11-29T10:00:00.000Z */
  start: string;
  end: string;
  /** gCO2/kWh of the power the hub draws from the grid in this interval */
  carbonIntensity: number | null;
  /** 0..1 share of renewable power */
  renewableShare: number | null;
  /** MW of renewable output behind the hub */
  renewableMW: number | null;
  /** true where the source marks the value as estimated or modelled */
  estimated: boolean;
}

export interface Forecast {
  provider: ProviderName;
  /** ISO 8601 UTC */
  fetchedAt: string;
  /** ISO 8601 UTC: after this the forecast is stale */
  validUntil: string;
  /** ordered by start, no overlaps */
  points: ForecastPoint[];
}

// What a provider is told about a hub: plain data the operator builds from a Hub and its Secret.
import type { ProviderName } from './types.ts';

export interface StaticPoint {
  start: string;
  end: string;
  renewableShare: number;
  carbonIntensity: number;
}

/** Either a constant signal or explicit intervals, as written in `spec.forecast.static`. */
export type StaticForecastSpec =
  | { renewableShare: number; carbonIntensity: number }
  | { points: StaticPoint[] };

export interface ForecastSpec {
  provider: ProviderName;
  /** base URL override (mirrors, tests); the provider's public endpoint when absent */
  url?: string;
  /** the provider's own location key: EM zone, WattTime region, SDK location, UK regionid/shortname */
  zone?: string;
  /** milliseconds between polls */
  refreshIntervalMs: number;
  /** milliseconds after which the last good forecast is no longer trusted */
  maxStalenessMs: number;
  static?: StaticForecastSpec;
}

/** Resolved from the Hub's credentialsSecretRef by the caller; never logged or put in errors. */
export type Credentials = { token: string } | { username: string; password: string };

export interface HubForecastRequest {
  hub: string;
  location: { latitude: number; longitude: number };
  renewables: { solarMW: number; windMW: number };
  /** MW the data centre draws for everything else; its own renewables serve this first */
  baseLoadMW: number;
  /** gCO2/kWh of the local grid when no renewable power is there */
  gridCarbonIntensity: number;
  pue: number;
  forecast: ForecastSpec;
  credentials?: Credentials;
}

// The provider clients: build the request, call the HTTP shell, hand the body to the pure parser.
// Each returns a Forecast or throws a ForecastError; none logs, none puts a credential in a message.
import { ForecastError } from '../errors.ts';
import { defaultMaxResponseBytes, type JsonHttpClient } from '../http.ts';
import { redactError } from '../redact.ts';
import { parseCarbonAwareSdk } from '../parsers/carbon-aware-sdk.ts';
import { parseElectricityMaps } from '../parsers/electricity-maps.ts';
import { parseOpenMeteoBatch } from '../parsers/open-meteo.ts';
import { parseStatic } from '../parsers/static.ts';
import { parseUkCarbonIntensity } from '../parsers/uk-carbon-intensity.ts';
import { parseWattTime, parseWattTimeLogin } from '../parsers/watttime.ts';
import type { Credentials, HubForecastRequest } from '../request.ts';
import type { Forecast } from '../types.ts';
import { baseUrl, defaultBaseUrls, openMeteoUrl, ukTime } from './urls.ts';

function requireZone(hub: HubForecastRequest): string {
  const zone = hub.forecast.zone;
  if (zone === undefined || zone === '') {
    throw new ForecastError('Config', `hub ${hub.hub}: provider ${hub.forecast.provider} needs spec.forecast.zone`);
  }
  return zone;
}

function requireToken(hub: HubForecastRequest): string {
  const c = hub.credentials;
  if (c === undefined || !('token' in c) || c.token === '') {
    throw new ForecastError('Config', `hub ${hub.hub}: provider ${hub.forecast.provider} needs a token in its credentials Secret`);
  }
  return c.token;
}

/** Room per location in an Open-Meteo batch: one location's 3 days of 7 variables is about 10 KB. */
export const openMeteoBytesPerLocation = 64 * 1024;

/** Several Open-Meteo hubs with the same base URL in one request; the result is per hub. */
export async function fetchOpenMeteo(
  http: JsonHttpClient,
  hubs: HubForecastRequest[],
  now: () => number,
): Promise<(Forecast | ForecastError)[]> {
  const first = hubs[0];
  if (first === undefined) return [];
  const url = openMeteoUrl(baseUrl(first, defaultBaseUrls.OpenMeteo), hubs);
  // A large batch may need more than the client's cap; a small one keeps it.
  const scaled = hubs.length * openMeteoBytesPerLocation;
  const { body } = await http.getJson({ url, provider: 'OpenMeteo', ...(scaled > defaultMaxResponseBytes ? { maxResponseBytes: scaled } : {}) });
  return parseOpenMeteoBatch(body, hubs, now());
}

export async function fetchElectricityMaps(http: JsonHttpClient, hub: HubForecastRequest, now: () => number): Promise<Forecast> {
  const zone = requireZone(hub);
  const base = baseUrl(hub, defaultBaseUrls.ElectricityMaps);
  const headers = { 'auth-token': requireToken(hub) };
  const query = new URLSearchParams({ zone, shouldUseFallbackCallerLookup: 'false' }).toString();
  const carbon = await http.getJson({ url: `${base}/v3/carbon-intensity/forecast?${query}`, provider: 'ElectricityMaps', headers });
  let renewable: unknown;
  try {
    renewable = (await http.getJson({ url: `${base}/v3/renewable-energy/forecast?${query}`, provider: 'ElectricityMaps', headers })).body;
  } catch (error) {
    // Plans without the renewable-energy endpoint answer 401/403/404: carbon intensity alone is
    // still a forecast the planner can use. Anything else (a bad body) fails the whole fetch.
    const planLimit = error instanceof ForecastError && (error.kind === 'Auth' || error.status === 404);
    if (!planLimit) throw error;
  }
  return parseElectricityMaps(
    renewable === undefined ? { carbonIntensity: carbon.body } : { carbonIntensity: carbon.body, renewableEnergy: renewable },
    { nowMs: now(), hub },
  );
}

/** WattTime tokens live about 30 minutes; reuse one for 25 and log in again once on 401/403. */
export class WattTimeClient {
  static readonly tokenLifetimeMs = 25 * 60_000;
  private readonly http: JsonHttpClient;
  private readonly now: () => number;
  private readonly tokens = new Map<string, { token: string; obtainedAtMs: number }>();

  constructor(http: JsonHttpClient, now: () => number) {
    this.http = http;
    this.now = now;
  }

  async fetch(hub: HubForecastRequest): Promise<Forecast> {
    const region = requireZone(hub);
    const c = hub.credentials;
    if (c === undefined || !('username' in c)) {
      throw new ForecastError('Config', `hub ${hub.hub}: WattTime needs username and password in its credentials Secret`);
    }
    const base = baseUrl(hub, defaultBaseUrls.WattTime);
    const query = new URLSearchParams({ region, signal_type: 'co2_moer', horizon_hours: '24' }).toString();
    const url = `${base}/v3/forecast?${query}`;
    const key = `${base} ${c.username}`;
    let token = await this.token(base, key, c, false);
    try {
      return await this.get(url, token, hub);
    } catch (error) {
      if (!(error instanceof ForecastError) || error.kind !== 'Auth') throw error;
      token = await this.token(base, key, c, true);
      return this.get(url, token, hub);
    }
  }

  private async get(url: string, token: string, hub: HubForecastRequest): Promise<Forecast> {
    const { body } = await this.http.getJson({ url, provider: 'WattTime', headers: { authorization: `Bearer ${token}` }, cache: false });
    try {
      return parseWattTime(body, { nowMs: this.now(), hub });
    } catch (error) {
      // The session token is a credential too, and a body may quote it.
      throw error instanceof ForecastError ? redactError(error, [token]) : error;
    }
  }

  private async token(base: string, key: string, c: Extract<Credentials, { username: string }>, renew: boolean): Promise<string> {
    const held = this.tokens.get(key);
    if (!renew && held !== undefined && this.now() - held.obtainedAtMs < WattTimeClient.tokenLifetimeMs) return held.token;
    this.tokens.delete(key);
    const basic = Buffer.from(`${c.username}:${c.password}`).toString('base64');
    const { body } = await this.http.getJson({
      url: `${base}/login`,
      provider: 'WattTime',
      headers: { authorization: `Basic ${basic}` },
      cache: false,
      secrets: [c.password],
    });
    const token = parseWattTimeLogin(body);
    this.tokens.set(key, { token, obtainedAtMs: this.now() });
    return token;
  }
}

export async function fetchCarbonAwareSdk(http: JsonHttpClient, hub: HubForecastRequest, now: () => number): Promise<Forecast> {
  const location = requireZone(hub);
  const base = baseUrl(hub, defaultBaseUrls.CarbonAwareSDK);
  const { body } = await http.getJson({
    url: `${base}/emissions/forecasts/current?${new URLSearchParams({ location }).toString()}`,
    provider: 'CarbonAwareSDK',
  });
  return parseCarbonAwareSdk(body, { nowMs: now(), hub });
}

/** Regional forecast for a regionid (own endpoint) or shortname (all regions, then picked); national without a zone. */
export async function fetchUkCarbonIntensity(http: JsonHttpClient, hub: HubForecastRequest, now: () => number): Promise<Forecast> {
  const base = baseUrl(hub, defaultBaseUrls.UKCarbonIntensity);
  const from = ukTime(now());
  const zone = hub.forecast.zone ?? '';
  let url: string;
  if (zone === '') url = `${base}/intensity/${from}/fw48h`;
  else if (/^\d+$/.test(zone)) url = `${base}/regional/intensity/${from}/fw48h/regionid/${zone}`;
  else url = `${base}/regional/intensity/${from}/fw48h`;
  const { body } = await http.getJson({ url, provider: 'UKCarbonIntensity' });
  return parseUkCarbonIntensity(body, { nowMs: now(), hub });
}

export function staticForecast(hub: HubForecastRequest, now: () => number): Forecast {
  if (hub.forecast.static === undefined) {
    throw new ForecastError('Config', `hub ${hub.hub}: provider Static needs spec.forecast.static`);
  }
  return parseStatic(hub.forecast.static, { nowMs: now(), hub });
}

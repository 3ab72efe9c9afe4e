// The fetch function the poller is given: forecasts for a set of hubs, one result per hub, with
// Open-Meteo hubs that share a base URL fetched in one request. Never throws, and no result
// holds a value of the hub's credentials, whatever a provider echoed back.
import { ForecastError, toForecastError } from './errors.ts';
import { JsonHttpClient, type HttpOptions } from './http.ts';
import {
  WattTimeClient,
  fetchCarbonAwareSdk,
  fetchElectricityMaps,
  fetchOpenMeteo,
  fetchUkCarbonIntensity,
  staticForecast,
} from './clients/providers.ts';
import { baseUrl, defaultBaseUrls } from './clients/urls.ts';
import { credentialValues, redactError } from './redact.ts';
import type { HubForecastRequest } from './request.ts';
import type { Forecast } from './types.ts';

export type ForecastResult = Forecast | ForecastError;
export type FetchForecasts = (hubs: HubForecastRequest[]) => Promise<Map<string, ForecastResult>>;

export function createForecastSource(options: Partial<HttpOptions> = {}): FetchForecasts {
  const http = new JsonHttpClient(options);
  const now = options.now ?? (() => Date.now());
  const wattTime = new WattTimeClient(http, now);

  async function one(hub: HubForecastRequest): Promise<Forecast> {
    switch (hub.forecast.provider) {
      case 'ElectricityMaps':
        return fetchElectricityMaps(http, hub, now);
      case 'WattTime':
        return wattTime.fetch(hub);
      case 'CarbonAwareSDK':
        return fetchCarbonAwareSdk(http, hub, now);
      case 'UKCarbonIntensity':
        return fetchUkCarbonIntensity(http, hub, now);
      case 'Static':
        return staticForecast(hub, now);
      case 'OpenMeteo':
        throw new ForecastError('Config', 'OpenMeteo hubs are fetched in batches');
    }
  }

  return async (hubs) => {
    const results = new Map<string, ForecastResult>();
    const batches = new Map<string, HubForecastRequest[]>();
    const singles: HubForecastRequest[] = [];
    for (const hub of hubs) {
      if (hub.forecast.provider !== 'OpenMeteo') {
        singles.push(hub);
        continue;
      }
      const key = baseUrl(hub, defaultBaseUrls.OpenMeteo);
      batches.set(key, [...(batches.get(key) ?? []), hub]);
    }
    await Promise.all([
      ...[...batches.values()].map(async (batch) => {
        try {
          const forecasts = await fetchOpenMeteo(http, batch, now);
          batch.forEach((hub, i) => {
            const result = forecasts[i] ?? new ForecastError('Schema', 'missing location');
            results.set(hub.hub, result instanceof ForecastError ? redactError(result, []) : result);
          });
        } catch (error) {
          for (const hub of batch) results.set(hub.hub, redactError(toForecastError(error), []));
        }
      }),
      ...singles.map(async (hub) => {
        try {
          results.set(hub.hub, await one(hub));
        } catch (error) {
          results.set(hub.hub, redactError(toForecastError(error), credentialValues(hub.credentials)));
        }
      }),
    ]);
    return results;
  };
}

// A Hub object (the YAML manifest or the API object, `westward.io/v1alpha1`) → the plain request
// a provider gets. Credentials are not in the manifest; the caller adds them from the Secret.
// The fields a forecast reads are held to the CRD's own rules first, so a manifest given to the
// CLI is refused where the API server would refuse it (latitude 999, a negative capacity).
import { validateHub } from '../api/validate.ts';
import { ForecastError } from './errors.ts';
import { isObject, num, obj, str } from './read.ts';
import type { HubForecastRequest, StaticForecastSpec } from './request.ts';
import { providerNames, type ProviderName } from './types.ts';

const unitMs: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Go-style durations as written in the CRD: "15m", "3h", "1h30m", "90s". */
export function parseDuration(text: string, path: string): number {
  const parts = [...text.trim().matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text.trim()) {
    throw new ForecastError('Config', `${path}: "${text}" is not a duration like 15m or 3h`);
  }
  return parts.reduce((sum, p) => sum + Number(p[1]) * (unitMs[p[2] ?? 's'] ?? 1000), 0);
}

export const defaultRefreshIntervalMs = 15 * 60_000;
export const defaultMaxStalenessMs = 3 * 3_600_000;

function optionalNumber(o: Record<string, unknown>, key: string, path: string, fallback: number): number {
  return o[key] === undefined || o[key] === null ? fallback : num(o[key], `${path}.${key}`);
}

/** The parts of a Hub a forecast is made from; the rest (node selector, network) is not read here. */
const forecastFields = /^spec\.(location|energy|forecast)(\.|\[|$)/;

export function hubRequestFromManifest(manifest: unknown): HubForecastRequest {
  try {
    const m = obj(manifest, 'hub');
    const problem = validateHub(m).find((p) => forecastFields.test(p.field));
    if (problem !== undefined) throw new ForecastError('Config', `${problem.field}: ${problem.message}`);
    if (m.kind !== undefined && m.kind !== 'Hub') throw new ForecastError('Config', `hub.kind: expected Hub, got ${JSON.stringify(m.kind)}`);
    const metadata = m.metadata === undefined ? {} : obj(m.metadata, 'metadata');
    const spec = obj(m.spec, 'spec');
    const location = obj(spec.location, 'spec.location');
    const energy = spec.energy === undefined ? {} : obj(spec.energy, 'spec.energy');
    const renewables = energy.renewables === undefined ? {} : obj(energy.renewables, 'spec.energy.renewables');
    const forecast = obj(spec.forecast, 'spec.forecast');
    const provider = str(forecast.provider, 'spec.forecast.provider');
    if (!(providerNames as readonly string[]).includes(provider)) {
      throw new ForecastError('Config', `spec.forecast.provider: "${provider}" is not one of ${providerNames.join(', ')}`);
    }
    const request: HubForecastRequest = {
      hub: typeof metadata.name === 'string' ? metadata.name : 'hub',
      location: { latitude: num(location.latitude, 'spec.location.latitude'), longitude: num(location.longitude, 'spec.location.longitude') },
      renewables: {
        solarMW: optionalNumber(renewables, 'solarMW', 'spec.energy.renewables', 0),
        windMW: optionalNumber(renewables, 'windMW', 'spec.energy.renewables', 0),
      },
      baseLoadMW: optionalNumber(energy, 'baseLoadMW', 'spec.energy', 0),
      gridCarbonIntensity: optionalNumber(energy, 'gridCarbonIntensity', 'spec.energy', 0),
      pue: optionalNumber(energy, 'pue', 'spec.energy', 1),
      forecast: {
        provider: provider as ProviderName,
        refreshIntervalMs: typeof forecast.refreshInterval === 'string' ? parseDuration(forecast.refreshInterval, 'spec.forecast.refreshInterval') : defaultRefreshIntervalMs,
        maxStalenessMs: typeof forecast.maxStaleness === 'string' ? parseDuration(forecast.maxStaleness, 'spec.forecast.maxStaleness') : defaultMaxStalenessMs,
      },
    };
    if (typeof forecast.url === 'string' && forecast.url !== '') request.forecast.url = forecast.url;
    if (typeof forecast.zone === 'string' && forecast.zone !== '') request.forecast.zone = forecast.zone;
    // The static parser checks the shape; here it is passed through as declared.
    if (isObject(forecast.static)) request.forecast.static = forecast.static as unknown as StaticForecastSpec;
    return request;
  } catch (error) {
    if (error instanceof ForecastError) throw new ForecastError('Config', `Hub manifest: ${error.message}`);
    throw error;
  }
}

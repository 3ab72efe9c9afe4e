// One entry point over the pure parsers, keyed by provider name. Whatever goes wrong inside a
// parser leaves it as a ForecastError.
import { toForecastError } from '../errors.ts';
import type { Forecast, ProviderName } from '../types.ts';
import { parseCarbonAwareSdk } from './carbon-aware-sdk.ts';
import type { ParseContext } from './context.ts';
import { parseElectricityMaps } from './electricity-maps.ts';
import { parseOpenMeteo } from './open-meteo.ts';
import { parseStatic } from './static.ts';
import { parseUkCarbonIntensity } from './uk-carbon-intensity.ts';
import { parseWattTime } from './watttime.ts';

export type { ParseContext } from './context.ts';

const parsers: Record<ProviderName, (body: unknown, ctx: ParseContext) => Forecast> = {
  OpenMeteo: parseOpenMeteo,
  ElectricityMaps: parseElectricityMaps,
  WattTime: parseWattTime,
  CarbonAwareSDK: parseCarbonAwareSdk,
  UKCarbonIntensity: parseUkCarbonIntensity,
  Static: parseStatic,
};

export function parseForecast(provider: ProviderName, body: unknown, ctx: ParseContext): Forecast {
  try {
    return parsers[provider](body, ctx);
  } catch (error) {
    throw toForecastError(error);
  }
}

// Shared test data: a hub request and readers for fixtures and the shared payloads.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { HubForecastRequest } from '../../../src/forecast/request.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));

export function fixture(name: string): unknown {
  return JSON.parse(readFileSync(`${root}test/fixtures/forecast/${name}`, 'utf8')) as unknown;
}

export function fixtureText(name: string): string {
  return readFileSync(`${root}test/fixtures/forecast/${name}`, 'utf8');
}

/** Real recorded responses beside the project (../shared/data/payloads). */
export function payload(name: string): unknown {
  return JSON.parse(readFileSync(`${root}../shared/data/payloads/${name}`, 'utf8')) as unknown;
}

export const repoRoot = root;

export function hub(overrides: Partial<HubForecastRequest> = {}, forecast: Partial<HubForecastRequest['forecast']> = {}): HubForecastRequest {
  return {
    hub: 'gansu-qingyang',
    location: { latitude: 35.71, longitude: 107.64 },
    renewables: { solarMW: 100, windMW: 200 },
    baseLoadMW: 100,
    gridCarbonIntensity: 600,
    pue: 1.15,
    ...overrides,
    forecast: { provider: 'OpenMeteo', refreshIntervalMs: 15 * 60_000, maxStalenessMs: 3 * 3_600_000, ...forecast },
  };
}

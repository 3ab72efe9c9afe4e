// `westward forecast parse`: read a saved provider response and print the normalised forecast.
import { readFileSync, statSync } from 'node:fs';
import type { Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import { ForecastError, toForecastError } from '../forecast/errors.ts';
import { hubRequestFromManifest } from '../forecast/hub-manifest.ts';
import { defaultMaxResponseBytes, parseJsonBody } from '../forecast/http.ts';
import { parseForecast } from '../forecast/parsers/index.ts';
import { providerNames, type ProviderName } from '../forecast/types.ts';

interface ParseOptions {
  provider: string;
  file: string;
  zone?: string;
  hub?: string;
  now?: string;
}

/** When the saved body was received: its point times must lie near it, as the operator's must lie near now. */
function receivedAt(text: string | undefined): number {
  if (text === undefined) return Date.now();
  const ms = Date.parse(text);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(text) || !Number.isFinite(ms)) {
    throw new ForecastError('Config', `--now: "${text}" is not an ISO 8601 time such as 2026-11-29T10:00Z`);
  }
  return ms;
}

function readText(path: string, what: string): string {
  try {
    // The operator reads no provider answer past this; neither does the command.
    const size = statSync(path).size;
    if (size > defaultMaxResponseBytes) {
      throw new ForecastError('TooLarge', `${what} ${path}: ${size} bytes, larger than the ${defaultMaxResponseBytes} bytes a provider answer may be`);
    }
    return readFileSync(path, 'utf8');
  } catch (error) {
    if (error instanceof ForecastError) throw error;
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new ForecastError('Config', `${what} ${path}: ${code}`);
  }
}

function runParse(options: ParseOptions): void {
  if (!(providerNames as readonly string[]).includes(options.provider)) {
    throw new ForecastError('Config', `--provider: "${options.provider}" is not one of ${providerNames.join(', ')}`);
  }
  const provider = options.provider as ProviderName;
  const nowMs = receivedAt(options.now);
  const hub = options.hub === undefined ? undefined : hubRequestFromManifest(parseYaml(readText(options.hub, 'hub manifest')));
  const text = readText(options.file, 'file');
  // Static inputs are the `static` block of a Hub, so YAML is accepted there; the rest are JSON.
  const body: unknown = provider === 'Static' ? parseYaml(text) : parseJsonBody(text, options.file);
  const forecast = parseForecast(provider, body, {
    nowMs,
    ...(hub === undefined ? {} : { hub }),
    ...(options.zone === undefined ? {} : { zone: options.zone }),
  });
  process.stdout.write(`${JSON.stringify({ provider: forecast.provider, points: forecast.points }, null, 2)}\n`);
}

export function registerForecastCommand(program: Command): void {
  const forecast = program.command('forecast').description('Work with renewable and carbon forecasts');
  forecast
    .command('parse')
    .description('Parse a saved provider response and print the normalised forecast as JSON')
    .requiredOption('--provider <provider>', `one of ${providerNames.join(', ')}`)
    .requiredOption('--file <path>', 'saved response body (JSON; YAML for Static)')
    .option('--zone <key>', 'region in multi-region responses (UK regionid or shortname, SDK location)')
    .option('--hub <hub.yaml>', 'Hub manifest supplying location and capacities (needed for OpenMeteo)')
    .option('--now <time>', 'when the response was received (ISO 8601, default now); point times must lie near it')
    .action((options: ParseOptions) => {
      try {
        runParse(options);
      } catch (error) {
        const e = toForecastError(error);
        process.stderr.write(`forecast parse: ${e.kind}: ${e.message.replace(/\s+/g, ' ')}\n`);
        process.exitCode = 1;
      }
    });
}

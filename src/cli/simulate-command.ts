// `westward simulate`: replay hubs' energy traces against the cluster's manifests and compare
// placement policies side by side (see docs/simulate.md).
import type { Command } from 'commander';
import { defaultRequest, runSimulate, type SimulateRequest } from '../simulate/command.ts';
import { OptionError, parseCount, parseForecastError, parseStep, parseTime, parseTraceOption } from '../simulate/options.ts';
import { checkReadable, checkReadableFile, checkWritableFile } from './preflight.ts';

interface RawOptions {
  filename: string[];
  trace: string[];
  from?: string;
  to?: string;
  step: string;
  horizon: string;
  forecastError: string;
  seed: string;
  maxMoves: string;
  maxMovesPerHub: string;
  oracleIntegral?: boolean;
  json?: string;
  html?: string;
}

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

export function registerSimulateCommand(program: Command): void {
  program
    .command('simulate')
    .description('Replay energy traces against Hub and FactoryWorkload manifests and compare placement policies')
    .requiredOption('-f, --filename <path>', 'manifest file or directory (repeatable): Hubs, Nodes, Deployments, StatefulSets, FactoryWorkloads', collect)
    .option('--trace <hub=csv>', 'energy trace of a hub (repeatable); CSVs named <hub>.*.csv beside the manifests are found by themselves', collect, [])
    .option('--from <time>', 'start, ISO 8601 (default: where all traces begin)')
    .option('--to <time>', 'end, ISO 8601 (default: where the first trace ends)')
    .option('--step <duration>', 'simulation step', '1h')
    .option('--horizon <duration>', 'forecast horizon the planner sees', '24h')
    .option('--forecast-error <mape>', 'mean absolute error of the forecasts, as 0.1 or 10%', '0')
    .option('--seed <n>', 'seed of the forecast error', '1')
    .option('--max-moves <n>', 'moves that may run at once in total', String(defaultRequest.limits.maxConcurrentMoves))
    .option('--max-moves-per-hub <n>', 'moves that may run at once per hub', String(defaultRequest.limits.maxConcurrentMovesPerHub))
    .option('--oracle-integral', 'solve the oracle with whole replicas (MIP) instead of the LP bound')
    .option('--json <file>', 'write the metrics as JSON')
    .option('--html <file>', 'write a self-contained HTML report')
    .action(async (options: RawOptions) => {
      // Input errors (OptionError, InputError, ...) propagate to the program, which prints them as one line.
      const request = simulateRequest(options);
      await checkFiles(request);
      process.exitCode = await runSimulate(request, (line) => {
        process.stdout.write(`${line}\n`);
      });
    });
}

function simulateRequest(options: RawOptions): SimulateRequest {
  const fromMs = options.from === undefined ? null : parseTime(options.from, '--from');
  const toMs = options.to === undefined ? null : parseTime(options.to, '--to');
  if (fromMs !== null && toMs !== null && toMs <= fromMs) throw new OptionError(`invalid --to "${options.to ?? ''}": must be after --from "${options.from ?? ''}"`);
  return {
    ...defaultRequest,
    manifests: options.filename,
    traces: new Map(options.trace.map(parseTraceOption)),
    fromMs,
    toMs,
    stepMs: parseStep(options.step, '--step'),
    horizonMs: parseStep(options.horizon, '--horizon'),
    forecastError: parseForecastError(options.forecastError),
    seed: parseCount(options.seed, '--seed'),
    limits: { maxConcurrentMoves: parseCount(options.maxMoves, '--max-moves'), maxConcurrentMovesPerHub: parseCount(options.maxMovesPerHub, '--max-moves-per-hub') },
    oracleIntegral: options.oracleIntegral === true,
    jsonPath: options.json ?? null,
    htmlPath: options.html ?? null,
  };
}

/** Every named input readable and every output writable before the run, which takes a while. */
async function checkFiles(request: SimulateRequest): Promise<void> {
  for (const path of request.manifests) await checkReadable(path, '-f');
  for (const path of request.traces.values()) await checkReadableFile(path, '--trace');
  if (request.jsonPath !== null) await checkWritableFile(request.jsonPath, '--json');
  if (request.htmlPath !== null) await checkWritableFile(request.htmlPath, '--html');
}

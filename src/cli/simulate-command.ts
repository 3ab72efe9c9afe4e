// `westward simulate`: replay hubs' energy traces against the cluster's manifests and compare
// placement policies side by side (see docs/simulate.md).
import type { Command } from 'commander';
import { defaultRequest, runSimulate } from '../simulate/command.ts';
import { parseCount, parseForecastError, parseStep, parseTime, parseTraceOption } from '../simulate/options.ts';

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

const collect = (value: string, previous: string[]): string[] => [...previous, value];

export function registerSimulateCommand(program: Command): void {
  program
    .command('simulate')
    .description('Replay energy traces against Hub and FactoryWorkload manifests and compare placement policies')
    .requiredOption('-f, --filename <path>', 'manifest file or directory (repeatable): Hubs, Nodes, Deployments, StatefulSets, FactoryWorkloads', collect, [])
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
      try {
        await action(options);
      } catch (error) {
        // Errors of input (options, manifests, traces) are the user's to fix: say what, no stack.
        if (error instanceof Error && userErrors.has(error.name)) {
          process.stderr.write(`error: ${error.message}\n`);
          process.exitCode = 1;
          return;
        }
        throw error;
      }
    });
}

const userErrors = new Set(['OptionError', 'TraceError', 'ScenarioError', 'QuantityError', 'LabelSelectorError', 'YAMLParseError']);

async function action(options: RawOptions): Promise<void> {
      const code = await runSimulate(
        {
          ...defaultRequest,
          manifests: options.filename,
          traces: new Map(options.trace.map(parseTraceOption)),
          fromMs: options.from === undefined ? null : parseTime(options.from, '--from'),
          toMs: options.to === undefined ? null : parseTime(options.to, '--to'),
          stepMs: parseStep(options.step, '--step'),
          horizonMs: parseStep(options.horizon, '--horizon'),
          forecastError: parseForecastError(options.forecastError),
          seed: parseCount(options.seed, '--seed'),
          limits: { maxConcurrentMoves: parseCount(options.maxMoves, '--max-moves'), maxConcurrentMovesPerHub: parseCount(options.maxMovesPerHub, '--max-moves-per-hub') },
          oracleIntegral: options.oracleIntegral === true,
          jsonPath: options.json ?? null,
          htmlPath: options.html ?? null,
        },
        (line) => {
          process.stdout.write(`${line}\n`);
        },
      );
      process.exitCode = code;
}

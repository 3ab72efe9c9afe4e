#!/usr/bin/env node
// `npm start`: the operator process. Flags in the style of controller-runtime managers.
import { KubeConfig } from '@kubernetes/client-node';
import { Command, Option } from 'commander';
import { parseDuration } from './api/duration.ts';
import { createLogger, parseLevel } from './observability/logger.ts';
import { runOperator } from './operator.ts';
import { installShutdown } from './runtime/shutdown.ts';
import { westwardVersion } from './version.ts';

function hostPort(value: string): { host: string; port: number } {
  const at = value.lastIndexOf(':');
  const host = at <= 0 ? '0.0.0.0' : value.slice(0, at);
  const port = Number(value.slice(at + 1));
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`not a host:port: ${value}`);
  return { host, port };
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`not a positive whole number: ${value}`);
  return n;
}

const program = new Command('westward-operator')
  .description('Places FactoryWorkloads in the greenest eligible Hub')
  .version(westwardVersion())
  .option('--kubeconfig <path>', 'kubeconfig file (default: $KUBECONFIG, else in-cluster config)')
  .option('--metrics-bind-address <host:port>', 'where /metrics is served', ':8080')
  .option('--health-probe-bind-address <host:port>', 'where /healthz and /readyz are served', ':8081')
  .option('--leader-elect', 'elect a leader on a Lease so only one replica acts', false)
  .option('--leader-election-namespace <ns>', 'namespace of the Lease', process.env.POD_NAMESPACE ?? 'westward-system')
  .option('--leader-election-id <name>', 'name of the Lease', 'westward-operator')
  .option('--namespace <ns...>', 'only FactoryWorkloads in these namespaces (default: all)')
  .addOption(new Option('--log-level <level>', 'log level').choices(['debug', 'info', 'warn', 'error']).default('info'))
  .option('--max-concurrent-moves <n>', 'rollouts Westward may run at once in total', positiveInt, 2)
  .option('--max-concurrent-moves-per-hub <n>', 'rollouts Westward may run at once into or out of one hub', positiveInt, 1)
  .option('--plan-interval <duration>', 'plan again at least this often', '1m')
  .option('--accounting-step <duration>', 'step of the avoided-emissions record', '15m');

program.parse(process.argv);
const flags = program.opts<{
  kubeconfig?: string;
  metricsBindAddress: string;
  healthProbeBindAddress: string;
  leaderElect: boolean;
  leaderElectionNamespace: string;
  leaderElectionId: string;
  namespace?: string[];
  logLevel: string;
  maxConcurrentMoves: number;
  maxConcurrentMovesPerHub: number;
  planInterval: string;
  accountingStep: string;
}>();

const logger = createLogger({ level: parseLevel(flags.logLevel) });
const kubeConfig = new KubeConfig();
if (flags.kubeconfig !== undefined) kubeConfig.loadFromFile(flags.kubeconfig);
else kubeConfig.loadFromDefault();

const operator = await runOperator({
  kubeConfig,
  logger,
  metrics: hostPort(flags.metricsBindAddress),
  health: hostPort(flags.healthProbeBindAddress),
  leaderElection: { enabled: flags.leaderElect, namespace: flags.leaderElectionNamespace, name: flags.leaderElectionId },
  namespaces: flags.namespace ?? [],
  limits: { maxConcurrentMoves: flags.maxConcurrentMoves, maxConcurrentMovesPerHub: flags.maxConcurrentMovesPerHub },
  planIntervalMs: parseDuration(flags.planInterval),
  accountingStepMs: parseDuration(flags.accountingStep),
});
logger.info({ metrics: operator.metricsUrl, health: operator.healthUrl }, 'Operator started');
// Exit once shut down: the lease is released, and watches or sockets left open must not keep a
// terminated replica alive.
installShutdown({
  logger,
  steps: [{ name: 'operator', run: operator.stop, timeoutMs: 20_000 }],
  exit: (code) => process.exit(code),
});

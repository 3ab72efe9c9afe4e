#!/usr/bin/env node
// `npm start`: the operator process. Flags in the style of controller-runtime managers.
import { Command, Option } from 'commander';
import { exitOnInputError, printOneLine } from './cli/errors.ts';
import { listenAddress, namespaceList, namespaceName, objectName, positiveDuration, wholeNumber, type ListenAddress } from './cli/flags.ts';
import { loadKubeConfig } from './cli/kubeconfig.ts';
import { checkCanListen } from './cli/preflight.ts';
import { createLogger, parseLevel } from './observability/logger.ts';
import { runOperator } from './operator.ts';
import { installShutdown } from './runtime/shutdown.ts';
import { westwardVersion } from './version.ts';

// Where the operator's pod runs (downward API); its own Secrets live here.
const ownNamespace = process.env.POD_NAMESPACE ?? 'westward-system';

const program = new Command('westward-operator')
  .description('Places FactoryWorkloads in the greenest eligible Hub')
  .version(westwardVersion())
  .configureOutput({ outputError: printOneLine })
  .option('--kubeconfig <path>', 'kubeconfig file (default: $KUBECONFIG, else ~/.kube/config, else in-cluster config)')
  .addOption(new Option('--metrics-bind-address <host:port>', 'where /metrics is served (":8080" for every interface)').argParser(listenAddress).default(listenAddress('127.0.0.1:8080'), '127.0.0.1:8080'))
  .option('--metrics-secure', 'serve /metrics over HTTPS, only to tokens allowed to get /metrics (TokenReview, SubjectAccessReview)', false)
  .addOption(new Option('--health-probe-bind-address <host:port>', 'where /healthz and /readyz are served').argParser(listenAddress).default(listenAddress('127.0.0.1:8081'), '127.0.0.1:8081'))
  .option('--leader-elect', 'elect a leader on a Lease so only one replica acts', false)
  .option('--leader-election-namespace <ns>', 'namespace of the Lease', namespaceName, ownNamespace)
  .option('--leader-election-id <name>', 'name of the Lease', objectName, 'westward-operator')
  .option('--namespace <ns...>', 'only FactoryWorkloads, and their targets and pods, in these namespaces (default: all but kube-system)', namespaceList)
  .option('--credentials-namespace <ns...>', "the only namespaces Hub credentials Secrets are read from (default: the operator's own, $POD_NAMESPACE or westward-system)", namespaceList)
  .addOption(new Option('--log-level <level>', 'log level').choices(['debug', 'info', 'warn', 'error']).default('info'))
  .option('--max-concurrent-moves <n>', 'rollouts Westward may run at once in total', wholeNumber(1), 2)
  .option('--max-concurrent-moves-per-hub <n>', 'rollouts Westward may run at once into or out of one hub', wholeNumber(1), 1)
  .addOption(new Option('--plan-interval <duration>', 'plan again at least this often').argParser(positiveDuration).default(positiveDuration('1m'), '1m'))
  .addOption(new Option('--accounting-step <duration>', 'step of the avoided-emissions record').argParser(positiveDuration).default(positiveDuration('15m'), '15m'));

program.parse(process.argv);
const flags = program.opts<{
  kubeconfig?: string;
  metricsBindAddress: ListenAddress;
  metricsSecure: boolean;
  healthProbeBindAddress: ListenAddress;
  leaderElect: boolean;
  leaderElectionNamespace: string;
  leaderElectionId: string;
  namespace?: string[];
  credentialsNamespace?: string[];
  logLevel: string;
  maxConcurrentMoves: number;
  maxConcurrentMovesPerHub: number;
  planInterval: number;
  accountingStep: number;
}>();

// Everything that can be wrong with the input is found here, before any connection is made.
const kubeConfig = (() => {
  try {
    return loadKubeConfig({ path: flags.kubeconfig });
  } catch (error) {
    return exitOnInputError(error);
  }
})();
await checkCanListen([
  { flag: '--metrics-bind-address', ...flags.metricsBindAddress },
  { flag: '--health-probe-bind-address', ...flags.healthProbeBindAddress },
]).catch(exitOnInputError);

const logger = createLogger({ level: parseLevel(flags.logLevel) });
const operator = await runOperator({
  kubeConfig,
  logger,
  metrics: flags.metricsBindAddress,
  metricsSecure: flags.metricsSecure,
  health: flags.healthProbeBindAddress,
  leaderElection: { enabled: flags.leaderElect, namespace: flags.leaderElectionNamespace, name: flags.leaderElectionId },
  namespaces: flags.namespace ?? [],
  credentialsNamespaces: flags.credentialsNamespace ?? [ownNamespace],
  limits: { maxConcurrentMoves: flags.maxConcurrentMoves, maxConcurrentMovesPerHub: flags.maxConcurrentMovesPerHub },
  planIntervalMs: flags.planInterval,
  accountingStepMs: flags.accountingStep,
}).catch(exitOnInputError);
logger.info({ metrics: operator.metricsUrl, health: operator.healthUrl }, 'Operator started');
// Exit once shut down: the lease is released, and watches or sockets left open must not keep a
// terminated replica alive.
installShutdown({
  logger,
  steps: [{ name: 'operator', run: operator.stop, timeoutMs: 20_000 }],
  exit: (code) => process.exit(code),
});

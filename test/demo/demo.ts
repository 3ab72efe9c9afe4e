#!/usr/bin/env node
// `npm run demo`: the local control plane, the sample hubs and factories, a local forecast server
// replaying a synthetic day on a compressed clock, the real operator, and a live view of where the
// factories' inference runs. Ctrl-C (or --duration) stops what the demo started.
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { Command } from 'commander';
import { clusterReady, firstLine, kubectl, run, sampleObjects, snapshot } from './cluster.ts';
import { startDemoForecastServer, type DemoForecastServer } from './forecast-server.ts';
import { demoMinDwell, demoObject, demoRefreshInterval, toYaml } from './manifests.ts';
import { startOperatorChild, type OperatorChild } from './operator-process.ts';
import { renderFrame } from './screen.ts';
import { simClock } from './sim-clock.ts';

const root = path.resolve(import.meta.dirname, '../..');
const clusterDir = process.env.WESTWARD_CLUSTER_DIR ?? path.join(root, '.cluster');
const kubeconfig = path.join(clusterDir, 'kubeconfig');
const operatorLog = path.join(clusterDir, 'logs', 'demo-operator.log');
const refreshMs = 2_000;

function number(min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n < min || n > max) throw new Error(`expected a number from ${min} to ${max}, got ${value}`);
    return n;
  };
}

const program = new Command('demo')
  .description('Westward on a local control plane, with synthetic weather on a compressed clock')
  .option('--duration <seconds>', 'run this long, then clean up and exit 0 (default: until Ctrl-C)', number(1, 86_400 * 7))
  .option('--hour-seconds <seconds>', 'real seconds per simulated hour', number(1, 3600), 10)
  .option('--start-hour <hour>', 'simulated hour of day (China time) at start', number(0, 23), 18)
  .option('--seed <n>', 'seed of the synthetic weather', number(0, 2 ** 32 - 1), 34)
  .option('--no-cluster-down', 'leave the control plane running even if the demo started it');
program.parse(process.argv);
const flags = program.opts<{ duration?: number; hourSeconds: number; startHour: number; seed: number; clusterDown: boolean }>();

// `npm run demo | tee log`, then Ctrl-C: tee dies of the same signal, and every later write to the
// pipe fails (EPIPE). Unhandled, that error would end the process before its cleanup; instead the
// demo stops writing there and cleans up all the same. The terminal closing (SIGHUP) stops it too.
let outputGone = false;
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', () => {
    outputGone = true;
    requestStop();
  });
}
const write = (text: string): void => {
  if (!outputGone) process.stdout.write(text);
};
const say = (line: string): void => {
  write(`[demo] ${line}\n`);
};

let startedCluster = false;
let server: DemoForecastServer | undefined;
let operator: OperatorChild | undefined;
let stopping: Promise<void> | undefined;
let wake: (() => void) | undefined;
let stopRequested = false;

function requestStop(): void {
  stopRequested = true;
  wake?.();
}

async function cleanup(): Promise<void> {
  if (operator) {
    say('stopping the operator');
    const code = await operator.stop();
    if (code !== 0) say(`the operator exited with ${String(code)}; its log: ${path.relative(root, operatorLog)}`);
  }
  if (server) {
    await server.close();
    say('stopped the forecast server');
  }
  if (startedCluster && flags.clusterDown) {
    say('bringing down the control plane the demo started');
    // Once the output is gone, the script's progress must not go there either: a write to a dead
    // pipe would end it halfway.
    const down = await run('bash', [path.join(root, 'test/cluster/down.sh')], { inherit: !outputGone });
    if (down.code !== 0) say(`cluster down failed: ${firstLine(down)}`);
  } else if (startedCluster) {
    say(`leaving the control plane running (--no-cluster-down): KUBECONFIG=${path.relative(root, kubeconfig)}`);
  } else {
    say('left the control plane it found running; the sample objects stay for a look with kubectl');
  }
}

function stopOnce(): Promise<void> {
  stopping ??= cleanup();
  return stopping;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    wake = () => {
      clearTimeout(timer);
      resolve();
    };
  });
}

/** Read through a call: the flag is set by signal handlers the type checker does not see. */
function stopWasRequested(): boolean {
  return stopRequested;
}

function checkStop(): void {
  if (stopWasRequested()) throw new Error('interrupted');
}

async function bringUpCluster(): Promise<void> {
  if (await clusterReady(kubeconfig)) {
    say(`reusing the running control plane (KUBECONFIG=${path.relative(root, kubeconfig)})`);
    return;
  }
  say('starting the local control plane (test/cluster/up.sh).');
  say('On first use it builds etcd, Kubernetes and kwok from source: 10-25 minutes on 2 cores. Later starts take seconds.');
  startedCluster = true;
  const up = await run('bash', [path.join(root, 'test/cluster/up.sh')], { inherit: true });
  if (up.code !== 0) throw new Error(`the control plane did not start (exit ${up.code}); see .cluster/logs/`);
}

async function applySamples(forecastUrl: string): Promise<{ hubs: string[]; namespaces: string[] }> {
  await kubectl(kubeconfig, ['apply', '--server-side', '-f', path.join(root, 'crds/westward.io_hubs.yaml'), '-f', path.join(root, 'crds/westward.io_factoryworkloads.yaml')]);
  await kubectl(kubeconfig, ['wait', '--for=condition=Established', '--timeout=60s', 'crd/hubs.westward.io', 'crd/factoryworkloads.westward.io']);
  const objects = (await sampleObjects(root)).map((o) => demoObject(o, forecastUrl));
  // Nodes first, so the hubs have capacity when the operator first looks.
  const order = (kind: string): number => (kind === 'Node' ? 0 : kind === 'Hub' ? 1 : 2);
  const sorted = [...objects].sort((a, b) => order(a.kind) - order(b.kind));
  await kubectl(kubeconfig, ['apply', '--server-side', '--force-conflicts', '--field-manager', 'westward-demo', '-f', '-'], toYaml(sorted));
  // The first plan counts Ready nodes only: a hub whose nodes kwok has not yet marked Ready would
  // look full, and the first placement would differ from run to run.
  const nodes = objects.filter((o) => o.kind === 'Node').map((o) => `node/${o.metadata.name}`);
  await kubectl(kubeconfig, ['wait', '--for=condition=Ready', '--timeout=120s', ...nodes]);
  return {
    hubs: objects.filter((o) => o.kind === 'Hub').map((o) => o.metadata.name),
    namespaces: objects.filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name),
  };
}

async function main(): Promise<void> {
  process.on('SIGINT', requestStop);
  process.on('SIGTERM', requestStop);
  process.on('SIGHUP', requestStop);
  const realStartMs = Date.now();
  const deadline = flags.duration === undefined ? Infinity : realStartMs + flags.duration * 1000;
  if (flags.duration !== undefined) setTimeout(requestStop, flags.duration * 1000).unref();

  await bringUpCluster();
  checkStop();
  const clock = simClock(Date.now(), flags.startHour, flags.hourSeconds);
  server = await startDemoForecastServer({ clock, seed: flags.seed });
  say(`forecast server: ${server.url}/v1/forecast (Open-Meteo shape, SYNTHETIC weather, 1 simulated hour every ${flags.hourSeconds} s)`);
  const scope = await applySamples(server.url);
  say(`applied the samples: ${scope.hubs.length} hubs polling every ${demoRefreshInterval}, FactoryWorkloads in ${scope.namespaces.join(', ')} with minDwell ${demoMinDwell} (the samples say tens of minutes)`);
  checkStop();
  operator = await startOperatorChild({ root, kubeconfig, logFile: operatorLog, planInterval: '5s', namespaces: scope.namespaces });
  say(`operator started; its log: ${path.relative(root, operatorLog)}`);

  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  const tty = process.stdout.isTTY;
  let previous = new Map<string, Record<string, number>>();
  // Events carry whole seconds.
  const sinceMs = Math.floor(realStartMs / 1000) * 1000;
  while (!stopWasRequested() && Date.now() < deadline) {
    if (operator.exited()) throw new Error(`the operator stopped; see ${path.relative(root, operatorLog)}`);
    const now = Date.now();
    const snap = await snapshot(kc, scope, sinceMs);
    const frame = renderFrame({
      realNowMs: now,
      realStartMs,
      simNowMs: server.simulatedAt(now),
      hourSeconds: flags.hourSeconds,
      forecastUrl: server.url,
      forecastRequests: server.requests(),
      hubs: snap.hubs,
      workloads: snap.workloads,
      previous,
      movedEvents: snap.movedEvents,
      operatorLog: path.relative(root, operatorLog),
      simulatedAt: (ms) => server?.simulatedAt(ms) ?? ms,
      color: tty,
    });
    // A terminal is redrawn in place; a log or a pipe gets one frame after the other.
    write(tty ? `\u001b[2J\u001b[H${frame}\n` : `${frame}\n${'─'.repeat(100)}\n`);
    previous = new Map(snap.workloads.map((w) => [w.key, w.readyByHub]));
    await sleep(Math.max(0, Math.min(refreshMs - (Date.now() - now), deadline - Date.now())));
  }
}

try {
  await main();
  await stopOnce();
  say('done');
  process.exit(0);
} catch (error) {
  const message = (error as Error).message.split('\n')[0] ?? 'unknown error';
  if (stopWasRequested()) {
    // Ctrl-C while a step ran: not a failure.
    await stopOnce();
    process.exit(0);
  }
  write(`[demo] failed: ${message}\n`);
  await stopOnce();
  process.exit(1);
}

// The operator idle on the local control plane (npm run bench:idle -- --minutes 10): hubs of kwok
// nodes (their heartbeats running), Deployments with FactoryWorkloads placed and settled, then
// nothing changes for the given time. Counts every write the operator makes (by watching the
// objects it writes) and its reconciles per controller (from its /metrics), and prints a table.
// Flags: --minutes N (10), --workloads N (20), --plan-interval D (1m), --accounting-step D (15m),
// --refresh D (15m, the Hubs' forecast refreshInterval).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { CoreV1Api, Watch } from '@kubernetes/client-node';

const root = path.resolve(import.meta.dirname, '../..');
const kubeconfig = path.join(root, '.cluster', 'kubeconfig');
const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    workloads: { type: 'string', default: '20' },
    'plan-interval': { type: 'string', default: '1m' },
    'accounting-step': { type: 'string', default: '15m' },
    refresh: { type: 'string', default: '15m' },
  },
});
const minutes = Number(values.minutes);
const workloads = Number(values.workloads);
if (!(minutes > 0) || !Number.isInteger(workloads) || workloads < 1) {
  process.stderr.write('bench:idle: --minutes must be a positive number and --workloads a positive integer\n');
  process.exit(2);
}

const running = existsSync(kubeconfig) && spawnSync('kubectl', ['--kubeconfig', kubeconfig, 'get', '--raw', '/readyz']).status === 0;
if (!running) execFileSync('bash', [path.join(root, 'test/cluster/up.sh')], { stdio: 'inherit' });
process.env.KUBECONFIG = kubeconfig;

// Imported after KUBECONFIG is set: the support modules read it.
const { eventually, kubeConfig } = await import('../e2e/support/kube.ts');
const { startOperator } = await import('../e2e/support/operator.ts');
const scenarioModule = await import('../e2e/support/scenario.ts');

const plans = [
  { name: 'qingyang', rttMs: 40, signal: { renewableShare: 0.8, carbonIntensity: 120 }, nodes: [{ cpu: '64', gpu: 8 }, { cpu: '64', gpu: 8 }] },
  { name: 'zhongwei', rttMs: 45, signal: { renewableShare: 0.5, carbonIntensity: 300 }, nodes: [{ cpu: '64', gpu: 8 }, { cpu: '64', gpu: 8 }] },
  { name: 'shaoguan', rttMs: 8, signal: { renewableShare: 0.1, carbonIntensity: 550 }, nodes: [{ cpu: '64', gpu: 8 }, { cpu: '64', gpu: 8 }] },
  { name: 'horinger', rttMs: 48, signal: { renewableShare: 0.9, carbonIntensity: 60 }, nodes: [{ cpu: '64', gpu: 2 }, { cpu: '64', gpu: 2 }] },
];

await scenarioModule.applyCrds();
const scenario = await scenarioModule.createScenario(plans, { refreshInterval: values.refresh, maxStaleness: '3h' });
const kc = kubeConfig();
const core = kc.makeApiClient(CoreV1Api);
const ns = `idle-${scenario.suffix}`;
await core.createNamespace({ body: { metadata: { name: ns } } });
const operator = await startOperator({
  namespaces: [ns],
  credentialsNamespaces: [scenario.secretNamespace],
  extra: ['--plan-interval', values['plan-interval'], '--accounting-step', values['accounting-step'], '--log-level', 'info'],
});

try {
  for (let i = 0; i < workloads; i++) {
    const name = `svc-${String(i)}`;
    await scenarioModule.createTargetAndWorkload(
      scenarioModule.targetDeployment(ns, name, { replicas: 2, gpu: i % 2 }),
      scenarioModule.factoryWorkload(ns, name, scenario.region, { target: name }),
    );
  }
  await eventually('every workload Placed=True', async () => {
    for (let i = 0; i < workloads; i++) {
      const fw = await scenarioModule.getWorkload(ns, `svc-${String(i)}`);
      if (fw.status?.conditions?.find((c) => c.type === 'Placed')?.status !== 'True') return undefined;
    }
    return true;
  }, { timeoutMs: 600_000, intervalMs: 2_000 });
  // Settled: the first placements turn "first placement" into "stays" on the next plan.
  await new Promise((r) => setTimeout(r, 90_000));

  const writes = new Map<string, number>();
  const count = (what: string): void => {
    writes.set(what, (writes.get(what) ?? 0) + 1);
  };
  const watch = new Watch(kc);
  const aborts: AbortController[] = [];
  const follow = async (label: string, apiPath: string, keep: (obj: { reportingController?: string }) => boolean = () => true): Promise<void> => {
    aborts.push(await watch.watch(apiPath, { allowWatchBookmarks: false, sendInitialEvents: false }, (phase, obj: { reportingController?: string }) => {
      if ((phase === 'ADDED' || phase === 'MODIFIED') && keep(obj)) count(label);
    }, () => undefined));
  };
  await follow('FactoryWorkload', `/apis/westward.io/v1alpha1/namespaces/${ns}/factoryworkloads`);
  await follow('Deployment', `/apis/apps/v1/namespaces/${ns}/deployments`);
  await follow('Hub', '/apis/westward.io/v1alpha1/hubs');
  await follow('Event', '/apis/events.k8s.io/v1/events', (e) => e.reportingController === 'westward.io/operator');

  const reconciles = async (): Promise<Map<string, number>> => {
    const text = await (await fetch(`${operator.metricsUrl}/metrics`)).text();
    const out = new Map<string, number>();
    for (const line of text.split('\n')) {
      const m = /^westward_controller_reconcile_total\{controller="([^"]+)",result="[^"]+"\} (\d+)/.exec(line);
      if (m?.[1] !== undefined) out.set(m[1], (out.get(m[1]) ?? 0) + Number(m[2]));
    }
    return out;
  };
  const before = await reconciles();
  const startedAt = Date.now();
  await new Promise((r) => setTimeout(r, minutes * 60_000));
  const after = await reconciles();
  for (const a of aborts) a.abort();

  const elapsedMin = (Date.now() - startedAt) / 60_000;
  process.stdout.write(`idle ${elapsedMin.toFixed(1)} min, ${String(workloads)} workloads, ${String(plans.length * 2)} kwok nodes, plan interval ${values['plan-interval']}, accounting step ${values['accounting-step']}, forecast refresh ${values.refresh}\n\n`);
  process.stdout.write('| writes by the operator | count |\n| --- | --- |\n');
  for (const kind of ['FactoryWorkload', 'Deployment', 'Hub', 'Event']) process.stdout.write(`| ${kind} | ${String(writes.get(kind) ?? 0)} |\n`);
  process.stdout.write('\n| reconciles | count | per minute |\n| --- | --- | --- |\n');
  for (const [controller, n] of after) {
    const d = n - (before.get(controller) ?? 0);
    process.stdout.write(`| ${controller} | ${String(d)} | ${(d / elapsedMin).toFixed(1)} |\n`);
  }
} finally {
  // The operator removes its finalizers as the namespace goes, so it stops after.
  await core.deleteNamespace({ name: ns }).catch(() => undefined);
  await eventually('namespace gone', async () => core.readNamespace({ name: ns }).then(() => undefined, () => true), { timeoutMs: 120_000 }).catch(() => undefined);
  await operator.stop();
  await scenario.teardown();
  if (!running) execFileSync('bash', [path.join(root, 'test/cluster/down.sh')], { stdio: 'inherit' });
}

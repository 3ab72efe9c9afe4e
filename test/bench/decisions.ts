// Decision quality: the planner against carbon-blind baselines and a perfect-foresight oracle
// over a whole year of real grid traces, at 0 %, 10 % and 20 % forecast error.
//
//   npm run bench:decisions -- --data ../shared/data/traces [--days 365] [--seed 1]
//
// The eight hubs replay real traces of other grids: they stand in for the Chinese hubs, whose
// own hourly signals are not public. The LWA traces (2020) are replayed 156 weeks later, so
// weekdays and hours line up with the 2023 Electricity Maps traces.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { FactoryWorkload, Hub, Node, WorkloadTarget } from '../../src/model/kube.ts';
import { plan } from '../../src/placement/plan.ts';
import { loadHighs } from '../../src/simulate/highs.ts';
import { greedyCurrentPolicy } from '../../src/simulate/policies/greedy-current.ts';
import { oraclePolicy } from '../../src/simulate/policies/oracle.ts';
import { nearestPolicy, roundRobinPolicy } from '../../src/simulate/policies/static.ts';
import { westwardPolicy } from '../../src/simulate/policies/westward.ts';
import { resultTable } from '../../src/simulate/report.ts';
import { gapClosed, simulate, type SimulationResult } from '../../src/simulate/run.ts';
import { buildScenario } from '../../src/simulate/scenario.ts';
import { parseTraceCsv, resampleTrace, shiftTrace } from '../../src/simulate/trace.ts';

const hourMs = 3_600_000;
const dayMs = 24 * hourMs;

interface HubDef {
  name: string;
  trace: string;
  shiftDays: number;
  pue: number;
  grid: number;
  gpus: number;
  rtt: { guangdong: number; zhejiang: number; jiangsu: number };
}

// Round trips as in config/samples; capacity small enough that the greenest hubs fill up; the eastern
// hubs nearest the factories are large enough that placing everything at the nearest fits.
const hubDefs: HubDef[] = [
  { name: 'anhui-wuhu', trace: 'lwa_ger_ci.csv', shiftDays: 1092, pue: 1.3, grid: 720, gpus: 56, rtt: { guangdong: 24, zhejiang: 8, jiangsu: 6 } },
  { name: 'guangdong-shaoguan', trace: 'em_US-CAL-CISO_2023_hourly.csv', shiftDays: 0, pue: 1.3, grid: 520, gpus: 32, rtt: { guangdong: 5, zhejiang: 22, jiangsu: 26 } },
  { name: 'hebei-zhangjiakou', trace: 'lwa_gb_ci.csv', shiftDays: 1092, pue: 1.2, grid: 760, gpus: 16, rtt: { guangdong: 38, zhejiang: 28, jiangsu: 24 } },
  { name: 'sichuan-tianfu', trace: 'lwa_fr_ci.csv', shiftDays: 1092, pue: 1.25, grid: 220, gpus: 12, rtt: { guangdong: 32, zhejiang: 35, jiangsu: 33 } },
  { name: 'guizhou-guian', trace: 'em_BR_2023_hourly.csv', shiftDays: 0, pue: 1.2, grid: 480, gpus: 8, rtt: { guangdong: 25, zhejiang: 33, jiangsu: 34 } },
  { name: 'innermongolia-horinger', trace: 'em_ES_2023_hourly.csv', shiftDays: 0, pue: 1.15, grid: 790, gpus: 16, rtt: { guangdong: 45, zhejiang: 36, jiangsu: 32 } },
  { name: 'gansu-qingyang', trace: 'em_NO_2023_hourly.csv', shiftDays: 0, pue: 1.15, grid: 560, gpus: 8, rtt: { guangdong: 40, zhejiang: 34, jiangsu: 31 } },
  { name: 'ningxia-zhongwei', trace: 'em_ES_2023_hourly.csv', shiftDays: 0, pue: 1.15, grid: 740, gpus: 12, rtt: { guangdong: 48, zhejiang: 42, jiangsu: 38 } },
];

const regions = ['guangdong', 'zhejiang', 'jiangsu'] as const;
const budgets = [20, 30, 40, 50, 60];

function scenarioObjects(): { hubs: Hub[]; nodes: Node[]; targets: WorkloadTarget[]; factoryWorkloads: FactoryWorkload[] } {
  const hubs: Hub[] = hubDefs.map((d) => ({
    metadata: { name: d.name },
    spec: {
      nodeSelector: { matchLabels: { 'westward.io/hub': d.name } },
      energy: { pue: d.pue, gridCarbonIntensity: d.grid, baseLoadMW: 0 },
      network: regions.map((from) => ({ from, rttMs: d.rtt[from] })),
    },
  }));
  const nodes: Node[] = hubDefs.flatMap((d) =>
    Array.from({ length: d.gpus / 4 }, (_, i) => ({
      metadata: { name: `${d.name}-gpu-${i}`, labels: { 'westward.io/hub': d.name } },
      status: { allocatable: { cpu: '64', memory: '512Gi', 'nvidia.com/gpu': '4' }, conditions: [{ type: 'Ready', status: 'True' }] },
    })),
  );
  const targets: WorkloadTarget[] = [];
  const factoryWorkloads: FactoryWorkload[] = [];
  // 8 workloads per region, budgets 20..60 ms in turn, 2..5 replicas, 300..1200 W per replica.
  regions.forEach((region, r) => {
    for (let i = 0; i < 8; i++) {
      const name = `${region}-model-${i}`;
      const namespace = `factory-${region}`;
      targets.push({
        kind: 'Deployment',
        metadata: { name, namespace },
        spec: { replicas: 2 + ((i + r) % 4), template: { spec: { containers: [{ resources: { requests: { cpu: '4', memory: '16Gi', 'nvidia.com/gpu': '1' } } }] } } },
      });
      factoryWorkloads.push({
        metadata: { name, namespace },
        spec: {
          targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
          factory: { region },
          latencyBudgetMs: budgets[(i + r) % budgets.length] ?? 40,
          powerPerReplicaW: 300 + 100 * ((3 * i + r) % 10),
          placement: { mode: 'Enforce', minDwell: '2h', minImprovement: 0.1 },
        },
      });
    }
  });
  return { hubs, nodes, targets, factoryWorkloads };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { data: { type: 'string', default: '../shared/data/traces' }, days: { type: 'string', default: '365' }, seed: { type: 'string', default: '1' }, errors: { type: 'string', default: '0,0.1,0.2' } },
  });
  const fromMs = Date.UTC(2023, 0, 1);
  const steps = Number(values.days) * 24;
  const horizonSteps = 24;
  const objects = scenarioObjects();
  const scenario = buildScenario({ ...objects, pods: [] });
  const traces = new Map<string, ReturnType<typeof parseTraceCsv>>();
  const signals = [];
  for (const d of hubDefs) {
    let trace = traces.get(d.trace);
    if (trace === undefined) {
      trace = parseTraceCsv(await readFile(join(values.data, d.trace), 'utf8'), d.trace);
      traces.set(d.trace, trace);
    }
    signals.push(resampleTrace(shiftTrace(trace, d.shiftDays * dayMs), fromMs, fromMs + (steps + horizonSteps) * hourMs, hourMs, steps));
  }
  const totalReplicas = scenario.workloads.reduce((s, w) => s + w.planner.replicas, 0);
  const totalGpus = scenario.hubs.reduce((s, h) => s + h.free.gpu, 0);
  process.stdout.write(`Decision quality: ${scenario.hubs.length} hubs (real traces as stand-ins), ${scenario.workloads.length} workloads, ${totalReplicas} GPU replicas on ${totalGpus} GPUs, ${steps} hourly steps from 2023-01-01, horizon ${horizonSteps} h\n`);
  for (const d of hubDefs) process.stdout.write(`  ${d.name.padEnd(24)} <- ${d.trace}${d.shiftDays > 0 ? ` (+${d.shiftDays} d)` : ''}, ${d.gpus} GPUs\n`);

  const options = (mape: number, seed: number) => ({ fromMs, stepMs: hourMs, steps, horizonSteps, forecastError: { mape, seed } });
  const highs = await loadHighs();
  let started = performance.now();
  const baselines = simulate(scenario, signals, [nearestPolicy(scenario), roundRobinPolicy(scenario), greedyCurrentPolicy(scenario), oraclePolicy(scenario, highs)], options(0, 1));
  process.stdout.write(`baselines and oracle: ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  const summary: string[] = ['| forecast error | westward kg | nearest kg | oracle kg | gapClosed | moves/workload/day | latency viol. | capacity viol. | pending rep·h |', '| --- | --- | --- | --- | --- | --- | --- | --- | --- |'];
  for (const mape of values.errors.split(',').map(Number)) {
    started = performance.now();
    const westward = simulate(scenario, signals, [westwardPolicy(scenario, plan)], options(mape, Number(values.seed)));
    const seconds = (performance.now() - started) / 1000;
    const result: SimulationResult = { policies: { ...westward.policies, ...baselines.policies }, gapClosed: null };
    result.gapClosed = gapClosed(result);
    process.stdout.write(`\n== forecast error ${(mape * 100).toFixed(0)} % (seed ${values.seed}); westward ${seconds.toFixed(1)} s, ${((seconds / steps) * 1000).toFixed(2)} ms per plan\n${resultTable(result)}\n`);
    const m = result.policies.westward?.metrics;
    const kg = (name: 'nearest' | 'oracle'): string => (result.policies[name]?.metrics.emissionsKg ?? NaN).toFixed(0);
    if (m !== undefined) {
      summary.push(`| ${(mape * 100).toFixed(0)} % | ${m.emissionsKg.toFixed(0)} | ${kg('nearest')} | ${kg('oracle')} | ${result.gapClosed?.toFixed(3) ?? 'n/a'} | ${m.movesPerWorkloadPerDay.toFixed(3)} | ${m.latencyViolations} | ${m.capacityViolations} | ${m.pendingReplicaHours.toFixed(0)} |`);
    }
  }
  process.stdout.write(`\n${summary.join('\n')}\n`);
}

await main();

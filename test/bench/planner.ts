// Planner speed and optimality against HiGHS and the greedy baseline on seeded instances
// (npm run bench:planner). HiGHS solves the same MIP with one integer per (replica shape,
// eligible set, hub), which has the same optimum as one per workload and hub, to a proven
// relative gap of 1e-6 (phase 2 within --highs-time-limit).
//
//   npm run bench:planner                       the standard table: 1k and 10k workloads x 16 hubs, 1 and 3 shapes
//   npm run bench:planner -- --workloads 100000 --hubs 64 --shapes 3 [--capacity 1.3] [--seed n] [--runs 5]
//   npm run bench:planner -- --adversarial      the instance families of the mixed-shape work, 12 seeds each
//   --no-highs skips HiGHS; --highs-time-limit s bounds its phase 2 (phase 1 must prove optimal)
//
// Each row: replicas placed and grams for planner, greedy and HiGHS, the gaps, and times
// (planner: median of --runs after a warm-up). The last line is machine-readable.
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { greedyPlan } from '../../src/placement/greedy.ts';
import { plan } from '../../src/placement/plan.ts';
import type { Plan, PlanInput } from '../../src/placement/types.ts';
import { createPlannerWorker } from '../../src/placement/worker.ts';
import { classItemsOf, solveMip } from '../unit/placement/highs-model.ts';
import type { Family, Shape } from '../unit/placement/instances.ts';
import { families, generateInstance, shapes } from '../unit/placement/instances.ts';

/** --shapes n takes the first n of these */
const shapeOrder: Shape[] = [shapes.gpu1, shapes.gpu2, shapes.cpu, shapes.gpu4, shapes.gpu8];

const { values } = parseArgs({
  options: {
    workloads: { type: 'string' },
    hubs: { type: 'string', default: '16' },
    shapes: { type: 'string', default: '3' },
    capacity: { type: 'string', default: '1.3' },
    seed: { type: 'string', default: '20261129' },
    runs: { type: 'string', default: '5' },
    adversarial: { type: 'boolean', default: false },
    'highs-time-limit': { type: 'string', default: '120' },
    'no-highs': { type: 'boolean', default: false },
  },
  strict: true,
});

function count(name: string, raw: string | undefined, min: number, max: number): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${name} ${String(raw)}: want a whole number from ${min} to ${max}`);
  return n;
}

const runs = count('runs', values.runs, 1, 1000);
const seed = count('seed', values.seed, 0, 2 ** 31 - 1);
const hubs = count('hubs', values.hubs, 1, 1000);
const shapeCount = count('shapes', values.shapes, 1, shapeOrder.length);
const capacityFactor = Number(values.capacity);
if (!(capacityFactor > 0)) throw new Error(`--capacity ${values.capacity}: want a positive factor of the demand`);
const highsTimeLimitS = Number(values['highs-time-limit']);
if (!(highsTimeLimitS > 0)) throw new Error(`--highs-time-limit ${values['highs-time-limit']}: want positive seconds`);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}

function placed(p: Plan): number {
  return Object.values(p.hubs).reduce((sum, h) => sum + h.replicas, 0);
}

async function timeIt<T>(n: number, f: () => T | Promise<T>): Promise<{ ms: number; result: T }> {
  let result = await f(); // warm-up
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    result = await f();
    times.push(performance.now() - t0);
  }
  return { ms: median(times), result };
}

interface Row {
  label: string;
  plannerMs: number;
  /** growth of the process's peak resident memory while planning, MB (the input already built) */
  peakMB: number;
  planner: Plan;
  greedy: Plan;
  highs: { placed: number; grams: number; status: string; ms: number } | null;
}

async function compare(label: string, input: PlanInput, n: number): Promise<Row> {
  const rssBefore = process.resourceUsage().maxRSS;
  const { ms: plannerMs, result: planner } = await timeIt(n, () => plan(input));
  const peakMB = (process.resourceUsage().maxRSS - rssBefore) / 1024;
  const greedy = greedyPlan(input);
  if (values['no-highs']) return { label, plannerMs, peakMB, planner, greedy, highs: null };
  const t0 = performance.now();
  const mip = await solveMip(input, classItemsOf(input), { relGap: 1e-6, timeLimitS: highsTimeLimitS });
  return { label, plannerMs, peakMB, planner, greedy, highs: { placed: mip.placed, grams: mip.emissionsG, status: mip.status, ms: performance.now() - t0 } };
}

const gapOf = (grams: number, best: number): string => ((grams - best) / best).toExponential(2);

function print(row: Row): void {
  const { planner: p, greedy: g, highs: h } = row;
  const versus = (x: Plan): string => (h === null ? '' : placed(x) === h.placed ? `, gap ${gapOf(x.expectedEmissionsG, h.grams)}` : `, ${placed(x) - h.placed} replicas vs HiGHS`);
  console.log(
    `| ${row.label} | ${placed(p)}${versus(p)} | ${row.plannerMs.toFixed(1)} ms | ${placed(g)}${versus(g)} | ` +
      (h === null ? '— | — |' : `${h.placed} (${h.status}) | ${h.ms.toFixed(0)} ms |`),
  );
}

console.log('| instance | planner placed | planner time | greedy placed | HiGHS placed | HiGHS time |');
console.log('| --- | --- | --- | --- | --- | --- |');

if (values.adversarial) {
  let short = 0;
  let worstGap = 0;
  for (const family of Object.keys(families) as Family[]) {
    for (let s = 1; s <= 12; s++) {
      const row = await compare(`${family} seed ${s}`, families[family](s), Math.min(runs, 3));
      print(row);
      if (row.highs === null) continue;
      if (placed(row.planner) < row.highs.placed) short++;
      else worstGap = Math.max(worstGap, (row.planner.expectedEmissionsG - row.highs.grams) / row.highs.grams);
    }
  }
  console.log(`instances_short_of_highs=${short} worst_gap_where_equal=${worstGap.toExponential(2)}`);
} else if (values.workloads !== undefined) {
  const workloads = count('workloads', values.workloads, 1, 10_000_000);
  const instance = { seed, workloads, hubs, shapes: shapeOrder.slice(0, shapeCount), capacityFactor };
  const input = generateInstance(instance);
  const row = await compare(`${shapeCount} shapes, ${workloads} workloads x ${hubs} hubs, capacity ${capacityFactor}`, input, runs);
  print(row);
  console.log(`peak resident memory grew by ${row.peakMB.toFixed(0)} MB while planning (input built before)`);
  await extras(input, instance);
  console.log(`planner_ms=${row.plannerMs.toFixed(1)} highs_ms=${row.highs?.ms.toFixed(0) ?? 'NaN'}`);
} else {
  let last: Row | null = null;
  for (const shapeSet of [[shapes.gpu1], [shapes.gpu1, shapes.gpu2, shapes.cpu]]) {
    for (const workloads of [1000, 10_000]) {
      last = await compare(`${shapeSet.length === 1 ? 'one shape' : 'three shapes'}, ${workloads} workloads x 16 hubs`, generateInstance({ seed, workloads, hubs: 16, shapes: shapeSet }), runs);
      print(last);
    }
  }
  const instance = { seed, workloads: 10_000, hubs: 16 };
  await extras(generateInstance(instance), instance);
  if (last?.highs) console.log(`planner_ms=${last.plannerMs.toFixed(1)} highs_ms=${last.highs.ms.toFixed(0)} gap=${gapOf(last.planner.expectedEmissionsG, last.highs.grams)}`);
}

/** The same plan through a warm worker thread, and with running workloads and a binding move budget. */
async function extras(input: PlanInput, instance: Parameters<typeof generateInstance>[0]): Promise<void> {
  const worker = createPlannerWorker();
  const { ms: workerMs } = await timeIt(runs, () => worker.plan(input));
  await worker.close();
  const hysteresis = { ...generateInstance({ ...instance, hysteresis: true }), movesInProgress: [] };
  const free = await timeIt(runs, () => plan({ ...hysteresis, limits: { maxConcurrentMoves: 1e9, maxConcurrentMovesPerHub: 1e9 } }));
  const bound = await timeIt(runs, () => plan({ ...hysteresis, limits: { maxConcurrentMoves: 50, maxConcurrentMovesPerHub: 8 } }));
  const moves = (p: Plan): number => p.workloads.filter((w) => w.moved).length;
  console.log(`through the worker thread: ${workerMs.toFixed(1)} ms`);
  console.log(`running workloads, no move budget: ${free.ms.toFixed(1)} ms, ${moves(free.result)} moves`);
  console.log(`running workloads, move budget 50 (8 per hub): ${bound.ms.toFixed(1)} ms, ${moves(bound.result)} moves`);
}

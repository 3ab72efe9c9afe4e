// Planner speed and optimality against HiGHS on seeded instances of 1k and 10k workloads on 16
// hubs (npm run bench:planner). HiGHS solves the same MIP with one integer per (replica shape,
// eligible set, hub), which has the same optimum as one per workload and hub, to a proven
// relative gap of 1e-6. First instances with one replica shape (where the planner is exact),
// then with three (GPU x1, GPU x2, CPU-only), the realistic case. The last line is the mixed
// 10k case: planner_ms=<n> highs_ms=<n> gap=<relative cost gap>.
import { performance } from 'node:perf_hooks';
import { greedyPlan } from '../../src/placement/greedy.ts';
import { plan } from '../../src/placement/plan.ts';
import type { Plan, PlanInput } from '../../src/placement/types.ts';
import { createPlannerWorker } from '../../src/placement/worker.ts';
import { classItemsOf, solveMip } from '../unit/placement/highs-model.ts';
import { generateInstance, shapes } from '../unit/placement/instances.ts';

const seed = 20_261_129;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}

function placed(p: Plan): number {
  return Object.values(p.hubs).reduce((sum, h) => sum + h.replicas, 0);
}

async function timeIt<T>(runs: number, f: () => T | Promise<T>): Promise<{ ms: number; result: T }> {
  let result = await f(); // warm-up
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    result = await f();
    times.push(performance.now() - t0);
  }
  return { ms: median(times), result };
}

async function compare(label: string, input: PlanInput): Promise<string> {
  const { ms: plannerMs, result } = await timeIt(5, () => plan(input));
  const t1 = performance.now();
  const mip = await solveMip(input, classItemsOf(input), { relGap: 1e-6, timeLimitS: 600 });
  const highsMs = performance.now() - t1;
  const greedy = greedyPlan(input);
  const gap = (result.expectedEmissionsG - mip.emissionsG) / mip.emissionsG;
  const greedyGap = (greedy.expectedEmissionsG - mip.emissionsG) / mip.emissionsG;
  console.log(
    `${label}: planner ${plannerMs.toFixed(1)} ms (${placed(result)} replicas placed, ${result.expectedEmissionsG.toFixed(0)} g); ` +
      `HiGHS ${highsMs.toFixed(0)} ms (${mip.placed} placed, ${mip.emissionsG.toFixed(0)} g, ${mip.status}); gap ${gap.toExponential(2)}; ` +
      `greedy ${placed(greedy)} placed, ${greedy.expectedEmissionsG.toFixed(0)} g, gap ${greedyGap.toExponential(2)}`,
  );
  return `planner_ms=${plannerMs.toFixed(1)} highs_ms=${highsMs.toFixed(0)} gap=${gap.toExponential(3)}`;
}

for (const workloads of [1000, 10_000]) {
  await compare(`one shape, ${workloads} workloads x 16 hubs`, generateInstance({ seed, workloads, hubs: 16, shapes: [shapes.gpu1] }));
}
let last = '';
for (const workloads of [1000, 10_000]) {
  last = await compare(`three shapes, ${workloads} workloads x 16 hubs`, generateInstance({ seed, workloads, hubs: 16 }));
}

// Off the event loop: the same 10k plan through a warm worker thread (structured clone both ways).
const worker = createPlannerWorker();
const input = generateInstance({ seed, workloads: 10_000, hubs: 16 });
const { ms: workerMs } = await timeIt(5, () => worker.plan(input));
const hysteresis = { ...generateInstance({ seed, workloads: 10_000, hubs: 16, hysteresis: true }), movesInProgress: [] };
const bound = await timeIt(5, () => plan({ ...hysteresis, limits: { maxConcurrentMoves: 50, maxConcurrentMovesPerHub: 8 } }));
await worker.close();
console.log(`10k workloads through the worker thread: ${workerMs.toFixed(1)} ms`);
console.log(
  `10k running workloads, move budget 50 (8 per hub): planner ${bound.ms.toFixed(1)} ms, ${bound.result.workloads.filter((w) => w.moved).length} moves`,
);
console.log(last);

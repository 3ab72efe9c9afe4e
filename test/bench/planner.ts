// Planner speed and optimality against HiGHS on seeded instances of 1k and 10k workloads on 16
// hubs (npm run bench:planner). HiGHS solves the same MIP with one integer per (replica shape,
// eligible set, hub), which has the same optimum as one per workload and hub. The last line is
// the 10k case: planner_ms=<n> highs_ms=<n> gap=<relative cost gap>.
import { performance } from 'node:perf_hooks';
import { greedyPlan } from '../../src/placement/greedy.ts';
import { plan } from '../../src/placement/plan.ts';
import { classItemsOf, solveMip } from '../unit/placement/highs-model.ts';
import { generateInstance } from '../unit/placement/instances.ts';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}

function placedReplicas(p: ReturnType<typeof plan>): number {
  return Object.values(p.hubs).reduce((sum, h) => sum + h.replicas, 0);
}

let last = '';
for (const workloads of [1000, 10_000]) {
  const input = generateInstance({ seed: 20_261_129, workloads, hubs: 16 });
  plan(input); // warm-up: JIT
  const times: number[] = [];
  let result = plan(input);
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    result = plan(input);
    times.push(performance.now() - t0);
  }
  const plannerMs = median(times);
  const t1 = performance.now();
  const mip = await solveMip(input, classItemsOf(input));
  const highsMs = performance.now() - t1;
  const greedy = greedyPlan(input);
  const gap = (result.expectedEmissionsG - mip.emissionsG) / mip.emissionsG;
  const greedyGap = (greedy.expectedEmissionsG - mip.emissionsG) / mip.emissionsG;
  console.log(
    `${workloads} workloads x 16 hubs: planner ${plannerMs.toFixed(1)} ms (${placedReplicas(result)} replicas placed, ` +
      `${result.expectedEmissionsG.toFixed(0)} g), HiGHS ${highsMs.toFixed(0)} ms (${mip.placed} placed, ` +
      `${mip.emissionsG.toFixed(0)} g), gap ${gap.toExponential(3)}; greedy ${greedy.expectedEmissionsG.toFixed(0)} g ` +
      `(${placedReplicas(greedy)} placed, gap ${greedyGap.toExponential(3)})`,
  );
  last = `planner_ms=${plannerMs.toFixed(1)} highs_ms=${highsMs.toFixed(0)} gap=${gap.toExponential(3)}`;
}
console.log(last);

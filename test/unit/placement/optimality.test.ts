// The optimiser against independent exact answers: exhaustive search on small instances and
// HiGHS on medium ones, with every workload free to move (no current hubs); with mixed shapes,
// on the seeded instance families of instances.ts as well.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { greedyPlan } from '../../../src/placement/greedy.ts';
import { plan } from '../../../src/placement/plan.ts';
import type { PlanInput } from '../../../src/placement/types.ts';
import { classItemsOf, itemsOf, solveMip } from './highs-model.ts';
import type { Family, Shape } from './instances.ts';
import { families, generateInstance, shapes } from './instances.ts';
import { hubGrams, placedReplicas, planGrams } from './oracle.ts';

/** The best (most replicas placed, then least grams) over every integral placement. */
function bruteForce(input: PlanInput): { placed: number; grams: number } {
  const hubs = new Map(input.hubs.map((h) => [h.name, h]));
  const options = input.workloads.map((w) => splits(w.replicas, w.eligibleHubs.filter((h) => hubs.has(h))));
  let best = { placed: -1, grams: Infinity };
  const chosen: Record<string, number>[] = [];
  const visit = (i: number): void => {
    if (i === input.workloads.length) {
      const load = new Map<string, { gpu: number; cpuMilli: number; memoryBytes: number; w: number }>();
      let placed = 0;
      chosen.forEach((split, j) => {
        const w = input.workloads[j];
        if (w === undefined) return;
        for (const [hub, n] of Object.entries(split)) {
          const l = load.get(hub) ?? { gpu: 0, cpuMilli: 0, memoryBytes: 0, w: 0 };
          l.gpu += n * w.perReplica.gpu;
          l.cpuMilli += n * w.perReplica.cpuMilli;
          l.memoryBytes += n * w.perReplica.memoryBytes;
          l.w += n * w.powerPerReplicaW;
          load.set(hub, l);
          placed += n;
        }
      });
      let grams = 0;
      for (const [name, l] of load) {
        const hub = hubs.get(name);
        if (hub === undefined) return;
        if (l.gpu > hub.free.gpu || l.cpuMilli > hub.free.cpuMilli || l.memoryBytes > hub.free.memoryBytes) return;
        grams += hubGrams(hub, input.nowMs, l.w);
      }
      if (placed > best.placed || (placed === best.placed && grams < best.grams)) best = { placed, grams };
      return;
    }
    for (const split of options[i] ?? []) {
      chosen[i] = split;
      visit(i + 1);
    }
  };
  visit(0);
  return best;
}

/** every way to put at most `replicas` on `hubs` */
function splits(replicas: number, hubs: string[]): Record<string, number>[] {
  const [first, ...rest] = hubs;
  if (first === undefined) return [{}];
  const out: Record<string, number>[] = [];
  for (let n = 0; n <= replicas; n++) {
    for (const tail of splits(replicas - n, rest)) out.push(n === 0 ? tail : { ...tail, [first]: n });
  }
  return out;
}

function smallInstances(shapeChoices: fc.Arbitrary<Shape[]>, maxWorkloads: number, maxReplicas: number) {
  return fc
    .record({
      seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
      hubs: fc.integer({ min: 1, max: 3 }),
      workloads: fc.integer({ min: 1, max: maxWorkloads }),
      slots: fc.integer({ min: 1, max: 4 }),
      shapes: shapeChoices,
      maxReplicas: fc.integer({ min: 1, max: maxReplicas }),
      regions: fc.integer({ min: 1, max: 3 }),
      renewableMWHubs: fc.double({ min: 0, max: 1, noNaN: true }),
      capacityFactor: fc.double({ min: 0.2, max: 1.6, noNaN: true }),
    })
    .map((o) => generateInstance(o));
}

const closeTo = (actual: number, expected: number, replicas: number): void => {
  // Arc costs are whole milligrams: at most half a milligram per replica and slot of rounding.
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(1e-9 * Math.abs(expected) + 1e-3 * Math.max(1, replicas));
};

describe('optimiser against exhaustive search', () => {
  it('finds the optimum when all replicas have one shape', () => {
    fc.assert(
      fc.property(smallInstances(fc.constantFrom([shapes.gpu1], [shapes.gpu2], [shapes.cpu]), 4, 3), (input) => {
        const p = plan(input);
        const best = bruteForce(input);
        expect(placedReplicas(p)).toBe(best.placed);
        closeTo(planGrams(input, p), best.grams, best.placed);
        closeTo(p.expectedEmissionsG, best.grams, best.placed);
      }),
      { numRuns: 120 },
    );
  });

  it('places as many replicas as the optimum with mixed shapes, and never beats its grams', () => {
    const mixed = fc.constantFrom<Shape[][]>([shapes.gpu1, shapes.gpu2, shapes.cpu], [shapes.gpu8, shapes.gpu4, shapes.gpu1], [shapes.gpu4, shapes.gpu1, shapes.cpu]);
    fc.assert(
      fc.property(smallInstances(mixed, 4, 2), (input) => {
        const p = plan(input);
        const best = bruteForce(input);
        expect(placedReplicas(p)).toBe(best.placed);
        expect(planGrams(input, p)).toBeGreaterThanOrEqual(best.grams - 1e-9 * best.grams - 1e-3);
      }),
      { numRuns: 150 },
    );
  });
});

describe('optimiser against HiGHS', () => {
  const seeds = [11, 23, 37, 41, 53, 67];
  it.each(seeds)('matches the MIP optimum with one replica shape (seed %i)', async (seed) => {
    const input = generateInstance({
      seed,
      hubs: 4 + (seed % 5),
      workloads: 40 + seed,
      slots: 12,
      shapes: [shapes.gpu1],
      maxReplicas: 4,
      regions: 3,
      renewableMWHubs: 0.5,
      capacityFactor: seed % 2 === 0 ? 0.8 : 1.3,
    });
    const p = plan(input);
    const mip = await solveMip(input, itemsOf(input));
    expect(placedReplicas(p)).toBe(mip.placed);
    expect(Math.abs(p.expectedEmissionsG - mip.emissionsG) / mip.emissionsG).toBeLessThanOrEqual(1e-6);
    expect(Math.abs(planGrams(input, p) - mip.emissionsG) / mip.emissionsG).toBeLessThanOrEqual(1e-6);
  });

  it('stays close to the MIP optimum with mixed shapes and room to spare, and never beats it', async () => {
    const input = generateInstance({ seed: 7, hubs: 6, workloads: 80, slots: 12, regions: 3, capacityFactor: 2 });
    const p = plan(input);
    const mip = await solveMip(input, itemsOf(input));
    expect(placedReplicas(p)).toBe(mip.placed);
    const gap = (p.expectedEmissionsG - mip.emissionsG) / mip.emissionsG;
    expect(gap).toBeGreaterThanOrEqual(-1e-6);
    expect(gap).toBeLessThanOrEqual(1e-3);
  });

  it('never places more than the MIP with mixed shapes and tight capacity', async () => {
    const input = generateInstance({ seed: 7, hubs: 6, workloads: 80, slots: 12, regions: 3, capacityFactor: 1.2 });
    const p = plan(input);
    const mip = await solveMip(input, itemsOf(input));
    expect(placedReplicas(p)).toBeLessThanOrEqual(mip.placed);
    expect(placedReplicas(p)).toBeGreaterThanOrEqual(0.95 * mip.placed);
  });
});

describe('mixed shapes against HiGHS on the instance families', () => {
  // Unit-test sizes: the five-shape family at 400 workloads on 8 hubs (the benchmark runs 2,000 on 16).
  const sized: Record<Family, Parameters<(typeof families)[Family]>[1]> = {
    eightGpuKinks: {},
    threeShapes: {},
    heavyAndLight: {},
    fiveShapes: { workloads: 400, hubs: 8, slots: 12 },
  };
  const cases = (Object.keys(families) as Family[]).flatMap((family) => Array.from({ length: 12 }, (_, i) => ({ family, seed: i + 1 })));
  const placedAgainstHighs = async (family: Family, seed: number): Promise<{ planner: number; greedy: number; highs: number }> => {
    const input = families[family](seed, sized[family]);
    const mip = await solveMip(input, classItemsOf(input), { placedOnly: true, timeLimitS: 120 });
    expect(mip.status).toBe('Optimal');
    return { planner: placedReplicas(plan(input)), greedy: placedReplicas(greedyPlan(input)), highs: mip.placed };
  };
  // The one instance of the 48 where rounding and making room find one replica fewer than the
  // MIP (469 of 470; docs/planner.md, "Known limits"): kept here so that a fix shows.
  const shortOne = (c: { family: Family; seed: number }): boolean => c.family === 'heavyAndLight' && c.seed === 5;

  it.each(cases.filter((c) => !shortOne(c)))('$family seed $seed: as many replicas placed as HiGHS proves possible, and at least as many as greedy', async ({ family, seed }) => {
    const placed = await placedAgainstHighs(family, seed);
    expect(placed.planner).toBeGreaterThanOrEqual(placed.highs);
    expect(placed.planner).toBeGreaterThanOrEqual(placed.greedy);
  });

  it.fails.each(cases.filter(shortOne))('$family seed $seed: as many replicas placed as HiGHS (known to fail)', async ({ family, seed }) => {
    const placed = await placedAgainstHighs(family, seed);
    expect(placed.planner).toBeGreaterThanOrEqual(placed.highs);
  });

  it.each(cases.filter(shortOne))('$family seed $seed: one replica short of HiGHS at most, and at least as many as greedy', async ({ family, seed }) => {
    const placed = await placedAgainstHighs(family, seed);
    expect(placed.planner).toBeGreaterThanOrEqual(placed.highs - 1);
    expect(placed.planner).toBeGreaterThanOrEqual(placed.greedy);
  });

  // The measured carbon gap where both place the same replicas is up to 1e-2 on these small,
  // tight instances (docs/planner.md): the bound here is what holds, not the 1e-4 aimed for.
  it.each([1, 2, 3, 4].flatMap((seed) => (['threeShapes', 'heavyAndLight'] as const).map((family) => ({ family, seed }))))(
    '$family seed $seed: never fewer grams than the MIP optimum, at most 1.5 % more',
    async ({ family, seed }) => {
      const input = families[family](seed);
      const p = plan(input);
      const mip = await solveMip(input, classItemsOf(input), { relGap: 1e-7, timeLimitS: 120 });
      expect(mip.status).toBe('Optimal');
      expect(placedReplicas(p)).toBe(mip.placed);
      const gap = (planGrams(input, p) - mip.emissionsG) / mip.emissionsG;
      expect(gap).toBeGreaterThanOrEqual(-1e-6);
      expect(gap).toBeLessThanOrEqual(1.5e-2);
    },
  );
});

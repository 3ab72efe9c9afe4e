// The optimiser against independent exact answers: exhaustive search on small instances and
// HiGHS on medium ones, with every workload free to move (no current hubs).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { plan } from '../../../src/placement/plan.ts';
import type { PlanInput } from '../../../src/placement/types.ts';
import { itemsOf, solveMip } from './highs-model.ts';
import { generateInstance, shapes } from './instances.ts';
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

function smallInstances(shapeChoices: fc.Arbitrary<(typeof shapes)[keyof typeof shapes][]>, maxWorkloads: number, maxReplicas: number) {
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

  it('is never better than the optimum with mixed shapes (a sanity bound, not exactness)', () => {
    fc.assert(
      fc.property(smallInstances(fc.constant([shapes.gpu1, shapes.gpu2, shapes.cpu]), 4, 2), (input) => {
        const p = plan(input);
        const best = bruteForce(input);
        const placed = placedReplicas(p);
        expect(placed).toBeLessThanOrEqual(best.placed);
        if (placed === best.placed) expect(planGrams(input, p)).toBeGreaterThanOrEqual(best.grams - 1e-6 * best.grams - 1e-3);
      }),
      { numRuns: 60 },
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

import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Highs } from 'highs';
import { loadHighs } from '../../../src/simulate/highs.ts';
import { solveStep, type StepProblem } from '../../../src/simulate/policies/oracle.ts';
import { stepEnergy } from '../../../src/simulate/energy.ts';

let highs: Highs;
beforeAll(async () => {
  highs = await loadHighs();
});

/** Grams of an allocation, priced by the simulator's own accounting. */
function grams(problem: StepProblem, allocation: number[][]): number {
  return problem.hubs.reduce((sum, hub, h) => {
    const loadMW = problem.workloads.reduce((mw, w, i) => mw + ((allocation[i]?.[h] ?? 0) * w.powerPerReplicaW) / 1e6, 0);
    return sum + stepEnergy(hub.signal, hub, loadMW, problem.hours).grams;
  }, 0);
}

/** Every whole-replica placement of all replicas that respects capacity; the cheapest. */
function bruteForce(problem: StepProblem): number {
  let best = Infinity;
  const allocation = problem.workloads.map(() => new Array<number>(problem.hubs.length).fill(0));
  const recurse = (i: number): void => {
    const w = problem.workloads[i];
    if (w === undefined) {
      const ok = problem.hubs.every((hub, h) => {
        const use = problem.workloads.reduce(
          (u, wl, j) => ({ gpu: u.gpu + (allocation[j]?.[h] ?? 0) * wl.perReplica.gpu, cpuMilli: u.cpuMilli + (allocation[j]?.[h] ?? 0) * wl.perReplica.cpuMilli }),
          { gpu: 0, cpuMilli: 0 },
        );
        return use.gpu <= hub.free.gpu && use.cpuMilli <= hub.free.cpuMilli;
      });
      if (ok) best = Math.min(best, grams(problem, allocation));
      return;
    }
    const split = (k: number, left: number): void => {
      const h = w.eligible[k];
      const row = allocation[i] ?? [];
      if (h === undefined) {
        if (left === 0) recurse(i + 1);
        return;
      }
      for (let r = 0; r <= left; r++) {
        row[h] = r;
        split(k + 1, left - r);
      }
      row[h] = 0;
    };
    split(0, w.replicas);
  };
  recurse(0);
  return best;
}

const signal = fc.oneof(
  fc.record({ carbonIntensity: fc.integer({ min: 0, max: 800 }), renewableShare: fc.constant(null), renewableMW: fc.constant(null) }),
  fc.record({ carbonIntensity: fc.integer({ min: 0, max: 800 }), renewableShare: fc.constant(null), renewableMW: fc.double({ min: 0, max: 0.01, noNaN: true }) }),
);

const problemArb = fc
  .record({
    hubs: fc.array(
      fc.record({ pue: fc.constantFrom(1.1, 1.3), gridCarbonIntensity: fc.integer({ min: 100, max: 900 }), baseLoadMW: fc.constant(0), gpu: fc.integer({ min: 0, max: 4 }), cpu: fc.integer({ min: 0, max: 16 }), signal }),
      { minLength: 1, maxLength: 3 },
    ),
    workloads: fc.array(
      fc.record({ replicas: fc.integer({ min: 1, max: 3 }), gpu: fc.integer({ min: 0, max: 1 }), cpu: fc.integer({ min: 1, max: 4 }), powerPerReplicaW: fc.integer({ min: 100, max: 3000 }), mask: fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }) }),
      { minLength: 1, maxLength: 3 },
    ),
  })
  .map(({ hubs, workloads }): StepProblem => ({
    hours: 1,
    hubs: hubs.map((h) => ({ pue: h.pue, gridCarbonIntensity: h.gridCarbonIntensity, baseLoadMW: h.baseLoadMW, free: { gpu: h.gpu, cpuMilli: h.cpu * 1000, memoryBytes: 0 }, signal: h.signal })),
    workloads: workloads.map((w) => ({
      replicas: w.replicas,
      perReplica: { gpu: w.gpu, cpuMilli: w.cpu * 1000, memoryBytes: 0 },
      powerPerReplicaW: w.powerPerReplicaW,
      eligible: hubs.map((_, h) => h).filter((h) => w.mask[h] === true),
    })),
  }));

describe('oracle step LP', () => {
  it('on a hand-computed case fills the green headroom first, fractionally', () => {
    // green hub: 0.001 MW headroom = 1 kW facility; replica 1 kW IT × PUE 1.25 = 1.25 kW.
    // Best: 0.8 replica green there (1 kW), the rest at the 100 g hub: 1.2 replicas × 1.25 kW × 100 g = 150 g.
    const problem: StepProblem = {
      hours: 1,
      hubs: [
        { pue: 1.25, gridCarbonIntensity: 800, baseLoadMW: 0, free: { gpu: 10, cpuMilli: 10_000, memoryBytes: 0 }, signal: { carbonIntensity: 0, renewableShare: null, renewableMW: 0.001 } },
        { pue: 1.25, gridCarbonIntensity: 800, baseLoadMW: 0, free: { gpu: 10, cpuMilli: 10_000, memoryBytes: 0 }, signal: { carbonIntensity: 100, renewableShare: null, renewableMW: null } },
      ],
      workloads: [{ replicas: 2, perReplica: { gpu: 1, cpuMilli: 1000, memoryBytes: 0 }, powerPerReplicaW: 1000, eligible: [0, 1] }],
    };
    const lp = solveStep(highs, problem);
    expect(lp.allocation[0]?.[0]).toBeCloseTo(0.8, 6);
    expect(lp.allocation[0]?.[1]).toBeCloseTo(1.2, 6);
    expect(lp.grams).toBeCloseTo(150, 6);
    expect(grams(problem, lp.allocation)).toBeCloseTo(150, 6);
    // whole replicas: one at the green hub costs (1.25 − 1) kW × 800 = 200 g, one at the other
    // 125 g, so 1 + 1 = 325 g, 0 + 2 = 250 g, 2 + 0 = 1.5 kW × 800 = 1200 g: the best is 250 g.
    const mip = solveStep(highs, problem, true);
    expect(mip.allocation[0]).toEqual([0, 2]);
    expect(grams(problem, mip.allocation)).toBeCloseTo(250, 6);
  });

  it('whole replicas match a brute force; the LP is a lower bound on it', () => {
    fc.assert(
      fc.property(problemArb, (problem) => {
        const fitsAll = problem.workloads.every((w) => w.eligible.length > 0);
        const best = bruteForce(problem);
        const mip = solveStep(highs, problem, true);
        const lp = solveStep(highs, problem, false);
        if (best === Infinity) {
          // no complete placement: both leave replicas pending
          expect(mip.pendingReplicas).toBeGreaterThan(0.5);
          return;
        }
        expect(fitsAll).toBe(true);
        expect(mip.pendingReplicas).toBeCloseTo(0, 6);
        expect(grams(problem, mip.allocation)).toBeCloseTo(best, 3);
        expect(lp.grams).toBeLessThanOrEqual(best + 1e-3);
        expect(lp.pendingReplicas).toBeCloseTo(0, 6);
        // capacity holds for both
        for (const solution of [mip, lp]) {
          problem.hubs.forEach((hub, h) => {
            const gpu = problem.workloads.reduce((s, w, i) => s + (solution.allocation[i]?.[h] ?? 0) * w.perReplica.gpu, 0);
            expect(gpu).toBeLessThanOrEqual(hub.free.gpu + 1e-6);
          });
        }
      }),
      { numRuns: 150 },
    );
  });
});

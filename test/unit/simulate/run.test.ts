import { describe, expect, it } from 'vitest';
import { simulate, gapClosed } from '../../../src/simulate/run.ts';
import type { Policy } from '../../../src/simulate/policies/policy.ts';
import { nearestPolicy } from '../../../src/simulate/policies/static.ts';
import type { SignalStep } from '../../../src/simulate/trace.ts';
import { scenarioOf } from './fixtures.ts';

const h = 3_600_000;
const sig = (ci: number, share: number | null = null): SignalStep => ({ carbonIntensity: ci, renewableShare: share, renewableMW: null });

describe('simulate accounting', () => {
  // two hubs, PUE 1.25; one workload of 2 replicas × 400 W = 0.8 kW IT = 1 kW facility
  const scenario = scenarioOf(
    [
      { name: 'a', gpu: 4, cpu: 8, pue: 1.25, rtt: { r: 10 } },
      { name: 'b', gpu: 4, cpu: 8, pue: 1.25, rtt: { r: 20 } },
      { name: 'far', gpu: 4, cpu: 8, pue: 1.25, rtt: { r: 90 } },
    ],
    [{ name: 'w', region: 'r', budget: 30, replicas: 2, gpu: 1, cpu: 1, powerW: 400 }],
  );
  const signals = [
    [sig(100, 0.5), sig(300, 0.2), sig(300, 0.2)],
    [sig(200, 0.1), sig(50, 0.9), sig(50, 0.9)],
    [sig(0, 1), sig(0, 1), sig(0, 1)],
  ];
  const options = { fromMs: 0, stepMs: h, steps: 3, horizonSteps: 1, forecastError: { mape: 0, seed: 1 } };

  /** A scripted policy: at each step, the given allocation. */
  const scripted = (name: Policy['name'], allocations: number[][][]): Policy => ({ name, decide: (c) => allocations[c.step] ?? [] });

  it('adds up emissions, green energy, moves and pending replicas by hand', () => {
    const result = simulate(scenario, signals, [nearestPolicy(scenario), scripted('greedy-current', [[[2, 0, 0]], [[0, 2, 0]], [[0, 1, 0]]])], options);
    // nearest: 1 kWh per hour at a: 100 + 300 + 300 g = 0.7 kg; green 0.5 + 0.2 + 0.2 of 3 kWh
    expect(result.policies.nearest?.metrics.emissionsKg).toBeCloseTo(0.7, 12);
    expect(result.policies.nearest?.metrics.renewableShare).toBeCloseTo(0.9 / 3, 12);
    expect(result.policies.nearest?.metrics.moves).toBe(0);
    // scripted: 100 g, 50 g, then one replica (0.5 kWh × 50 g) and one pending for an hour
    const scriptedRun = result.policies['greedy-current']?.metrics;
    expect(scriptedRun?.emissionsKg).toBeCloseTo(0.175, 12);
    expect(scriptedRun?.renewableShare).toBeCloseTo((0.5 + 0.9 + 0.45) / 2.5, 12);
    expect(scriptedRun?.moves).toBe(1);
    expect(scriptedRun?.movesPerWorkloadPerDay).toBeCloseTo(1 / (3 / 24), 12);
    expect(scriptedRun?.pendingReplicaHours).toBe(1);
    expect(scriptedRun?.latencyViolations).toBe(0);
    expect(result.policies['greedy-current']?.cumulativeKg).toEqual([0.1, 0.15, 0.175].map((v) => expect.closeTo(v, 12) as number));
  });

  it('counts a replica outside the budget and a hub over capacity as violations', () => {
    const result = simulate(scenario, signals, [scripted('round-robin', [[[1, 0, 1]], [[0, 5, 0]], [[0, 2, 0]]])], options);
    expect(result.policies['round-robin']?.metrics.latencyViolations).toBe(1);
    expect(result.policies['round-robin']?.metrics.capacityViolations).toBe(1);
  });

  it('gapClosed is the share of the oracle gain that westward reaches', () => {
    const run = (kg: number) => ({ metrics: { emissionsKg: kg, renewableShare: 0, moves: 0, movesPerWorkloadPerDay: 0, latencyViolations: 0, capacityViolations: 0, pendingReplicaHours: 0 }, cumulativeKg: [], primary: [] });
    expect(gapClosed({ policies: { nearest: run(100), westward: run(40), oracle: run(20) } })).toBeCloseTo(0.75, 12);
    expect(gapClosed({ policies: { nearest: run(100), westward: run(40), oracle: run(100) } })).toBeNull();
    expect(gapClosed({ policies: { nearest: run(100), oracle: run(20) } })).toBeNull();
  });
});

import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Highs } from 'highs';
import { plan } from '../../../src/placement/plan.ts';
import type { Plan, PlanInput } from '../../../src/placement/types.ts';
import { loadHighs } from '../../../src/simulate/highs.ts';
import { greedyCurrentPolicy } from '../../../src/simulate/policies/greedy-current.ts';
import { oraclePolicy } from '../../../src/simulate/policies/oracle.ts';
import { nearestPolicy, roundRobinPolicy } from '../../../src/simulate/policies/static.ts';
import { westwardPolicy } from '../../../src/simulate/policies/westward.ts';
import { simulate } from '../../../src/simulate/run.ts';
import type { SignalStep } from '../../../src/simulate/trace.ts';
import { scenarioOf, type HubSpec, type WorkloadSpec } from './fixtures.ts';

let highs: Highs;
beforeAll(async () => {
  highs = await loadHighs();
});

const regions = ['guangdong', 'zhejiang'];
const steps = 12;

const hubArb = fc.record({
  gpu: fc.integer({ min: 0, max: 6 }),
  cpu: fc.integer({ min: 4, max: 32 }),
  rtt: fc.tuple(fc.integer({ min: 5, max: 60 }), fc.integer({ min: 5, max: 60 })),
  withMW: fc.boolean(),
  signal: fc.array(fc.record({ ci: fc.integer({ min: 0, max: 800 }), mw: fc.double({ min: 0, max: 0.02, noNaN: true }) }), { minLength: steps + 4, maxLength: steps + 4 }),
});

const workloadArb = fc.record({
  region: fc.constantFrom(...regions),
  budget: fc.integer({ min: 10, max: 60 }),
  replicas: fc.integer({ min: 1, max: 4 }),
  gpu: fc.integer({ min: 0, max: 1 }),
  cpu: fc.integer({ min: 1, max: 4 }),
  powerW: fc.integer({ min: 100, max: 2000 }),
});

const worldArb = fc.record({ hubs: fc.array(hubArb, { minLength: 1, maxLength: 4 }), workloads: fc.array(workloadArb, { minLength: 1, maxLength: 5 }), mape: fc.constantFrom(0, 0.1, 0.2) });

describe('policies', () => {
  it('never break the latency budget or capacity; the oracle is the lowest among those that place everything', () => {
    fc.assert(
      fc.property(worldArb, ({ hubs, workloads, mape }) => {
        const hubSpecs: HubSpec[] = hubs.map((h, i) => ({ name: `hub-${i}`, gpu: h.gpu, cpu: h.cpu, rtt: { guangdong: h.rtt[0], zhejiang: h.rtt[1] } }));
        const workloadSpecs: WorkloadSpec[] = workloads.map((w, i) => ({ ...w, name: `w${i}`, minDwell: '3h' }));
        const scenario = scenarioOf(hubSpecs, workloadSpecs);
        const signals: SignalStep[][] = hubs.map((h) => h.signal.map((s) => ({ carbonIntensity: s.ci, renewableShare: null, renewableMW: h.withMW ? s.mw : null })));
        const result = simulate(
          scenario,
          signals,
          [westwardPolicy(scenario, plan), nearestPolicy(scenario), roundRobinPolicy(scenario), greedyCurrentPolicy(scenario), oraclePolicy(scenario, highs)],
          { fromMs: Date.UTC(2023, 0, 1), stepMs: 3_600_000, steps, horizonSteps: 4, forecastError: { mape, seed: 5 } },
        );
        const oracle = result.policies.oracle?.metrics;
        for (const run of Object.values(result.policies)) {
          expect(run.metrics.latencyViolations).toBe(0);
          expect(run.metrics.capacityViolations).toBe(0);
          if (oracle !== undefined && oracle.pendingReplicaHours < 1e-6 && run.metrics.pendingReplicaHours < 1e-6) {
            expect(oracle.emissionsKg).toBeLessThanOrEqual(run.metrics.emissionsKg + 1e-6);
          }
        }
        // the oracle leaves no more replicas pending than the nearest spill does
        expect(oracle?.pendingReplicaHours ?? Infinity).toBeLessThanOrEqual((result.policies.nearest?.metrics.pendingReplicaHours ?? 0) + 1e-6);
      }),
      { numRuns: 40 },
    );
  }, 120_000);

  it('westward replays its own moves: the planner is told where each workload runs and when it last moved', () => {
    const scenario = scenarioOf(
      [
        { name: 'a', gpu: 8, cpu: 64, rtt: { r: 5 } },
        { name: 'b', gpu: 8, cpu: 64, rtt: { r: 10 } },
      ],
      [{ name: 'w', region: 'r', budget: 50, replicas: 2, gpu: 1, cpu: 1, powerW: 100 }],
    );
    const seen: { currentHub: string | null; lastMoveMs: number | null; hubs: number; slots: number }[] = [];
    const script = ['a', 'a', 'b', 'b', 'b', 'a'];
    const stub = (input: PlanInput): Plan => {
      const w = input.workloads[0];
      seen.push({ currentHub: w?.currentHub ?? null, lastMoveMs: w?.lastMoveMs ?? null, hubs: input.hubs.length, slots: input.hubs[0]?.slots.length ?? 0 });
      const hub = script[seen.length - 1] ?? 'a';
      return {
        workloads: [{ key: 'ns/w', hub, fallbacks: [], replicasByHub: { [hub]: 2 }, expected: { renewableShare: 0, carbonIntensity: 0 }, moved: false, reason: '' }],
        hubs: {},
        expectedEmissionsG: 0,
      };
    };
    const signals: SignalStep[][] = [0, 1].map(() => new Array<SignalStep>(8).fill({ carbonIntensity: 1, renewableShare: null, renewableMW: null }));
    const result = simulate(scenario, signals, [westwardPolicy(scenario, stub)], { fromMs: 0, stepMs: 3_600_000, steps: 6, horizonSteps: 3, forecastError: { mape: 0, seed: 1 } });
    const h = 3_600_000;
    expect(seen.map((s) => [s.currentHub, s.lastMoveMs])).toEqual([
      [null, null],
      ['a', null],
      ['a', null],
      ['b', 2 * h],
      ['b', 2 * h],
      ['b', 2 * h],
    ]);
    expect(seen.every((s) => s.hubs === 2 && s.slots === 3)).toBe(true);
    expect(result.policies.westward?.metrics.moves).toBe(2);
  });

  it('nearest spills to the next hub by latency when the nearest is full', () => {
    const scenario = scenarioOf(
      [
        { name: 'near', gpu: 2, cpu: 64, rtt: { r: 5 } },
        { name: 'mid', gpu: 8, cpu: 64, rtt: { r: 10 } },
        { name: 'far', gpu: 8, cpu: 64, rtt: { r: 20 } },
      ],
      [{ name: 'w', region: 'r', budget: 50, replicas: 5, gpu: 1, cpu: 1, powerW: 100 }],
    );
    expect(nearestPolicy(scenario).decide({ step: 0, startMs: 0, stepMs: 1, actual: [], forecast: () => [] })).toEqual([[0, 3, 2]]);
  });

  it('greedy-current takes the lowest intensity of the moment', () => {
    const scenario = scenarioOf(
      [
        { name: 'a', gpu: 8, cpu: 64, rtt: { r: 5 } },
        { name: 'b', gpu: 1, cpu: 64, rtt: { r: 10 } },
        { name: 'c', gpu: 8, cpu: 64, rtt: { r: 20 } },
      ],
      [{ name: 'w', region: 'r', budget: 50, replicas: 3, gpu: 1, cpu: 1, powerW: 100 }],
    );
    const actual: SignalStep[] = [300, 10, 50].map((ci) => ({ carbonIntensity: ci, renewableShare: null, renewableMW: null }));
    // b is greenest but holds one GPU replica; the rest go to c, the next greenest
    expect(greedyCurrentPolicy(scenario).decide({ step: 0, startMs: 0, stepMs: 1, actual, forecast: () => [] })).toEqual([[0, 1, 2]]);
  });
});

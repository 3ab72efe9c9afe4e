// The convex cost curve and the flow solver underneath the optimiser.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { costCurve, emissionsG, marginalSegments } from '../../../src/placement/hub-cost.ts';
import { addArc, createNetwork, flowOn, minCostFlow } from '../../../src/placement/min-cost-flow.ts';
import type { PlannerHub } from '../../../src/placement/types.ts';

const hour = 3_600_000;

const hubs = fc
  .array(fc.record({ ci: fc.integer({ min: 0, max: 900 }), mw: fc.option(fc.double({ min: 0, max: 0.02, noNaN: true })) }), { minLength: 1, maxLength: 6 })
  .chain((slots) =>
    fc.record({ pue: fc.double({ min: 1, max: 2, noNaN: true }), grid: fc.integer({ min: 100, max: 900 }) }).map(
      ({ pue, grid }): PlannerHub => ({
        name: 'h',
        pue,
        gridCarbonIntensity: grid,
        free: { gpu: 0, cpuMilli: 0, memoryBytes: 0 },
        slots: slots.map((s, i) => ({ startMs: i * hour, endMs: (i + 1) * hour, carbonIntensity: s.ci, renewableShare: 0.5, renewableMW: s.mw })),
      }),
    ),
  );

describe('hub cost', () => {
  it('prices a hand-computed case: green up to renewableMW, grid above it', () => {
    const hub: PlannerHub = {
      name: 'h',
      pue: 1.25,
      gridCarbonIntensity: 600,
      free: { gpu: 0, cpuMilli: 0, memoryBytes: 0 },
      slots: [
        { startMs: 0, endMs: hour, carbonIntensity: 200, renewableShare: 0.7, renewableMW: null },
        { startMs: hour, endMs: 3 * hour, carbonIntensity: 999, renewableShare: 0.7, renewableMW: 0.001 },
      ],
    };
    // 2000 W IT = 2500 W facility. Slot 1: 2.5 kWh x 200 = 500 g. Slot 2 (2 h): 1500 W above
    // the 1000 W of renewables, 3 kWh x 600 = 1800 g.
    expect(emissionsG(costCurve(hub, 0), 2000)).toBeCloseTo(2300, 9);
    // from 30 min in, the first slot counts half
    expect(emissionsG(costCurve(hub, hour / 2), 2000)).toBeCloseTo(2050, 9);
  });

  it('splits the cost into non-decreasing runs that add up to the curve', () => {
    fc.assert(
      fc.property(hubs, fc.integer({ min: 0, max: 20_000 }), fc.integer({ min: 1, max: 3000 }), fc.integer({ min: 1, max: 40 }), (hub, baseW, powerW, n) => {
        const curve = costCurve(hub, 0);
        const runs = marginalSegments(curve, baseW, powerW, n);
        expect(runs.reduce((sum, r) => sum + r.replicas, 0)).toBe(n);
        for (let i = 1; i < runs.length; i++) expect(runs[i]?.gramsPerReplica).toBeGreaterThanOrEqual((runs[i - 1]?.gramsPerReplica ?? 0) - 1e-9);
        let k = 0;
        for (const run of runs) {
          for (let j = 0; j < run.replicas; j++, k++) {
            const step = emissionsG(curve, baseW + (k + 1) * powerW) - emissionsG(curve, baseW + k * powerW);
            expect(run.gramsPerReplica).toBeCloseTo(step, 6);
          }
        }
      }),
    );
  });
});

describe('min-cost flow', () => {
  it('solves a small hand-checked network', () => {
    // s=0, t=3. Two routes: 0-1-3 (cost 1+1, cap 2) and 0-2-3 (cost 2+3, cap 5). Send 4.
    const net = createNetwork(4);
    addArc(net, 0, 1, 2, 1);
    const a13 = addArc(net, 1, 3, 10, 1);
    addArc(net, 0, 2, 5, 2);
    const a23 = addArc(net, 2, 3, 10, 3);
    expect(minCostFlow(net, 0, 3, 4)).toEqual({ flow: 4, cost: 2 * 2 + 2 * 5 });
    expect(flowOn(net, a13)).toBe(2);
    expect(flowOn(net, a23)).toBe(2);
  });

  it('reroutes along a residual arc when that is cheaper', () => {
    // The cheapest first path 0-1-2-3 blocks 0-2; the optimum of two units uses 0-1-3 and 0-2-3.
    const net = createNetwork(4);
    addArc(net, 0, 1, 1, 0);
    addArc(net, 0, 2, 1, 0);
    addArc(net, 1, 2, 1, 0);
    addArc(net, 1, 3, 1, 10);
    addArc(net, 2, 3, 1, 0);
    expect(minCostFlow(net, 0, 3, 2)).toEqual({ flow: 2, cost: 10 });
  });
});

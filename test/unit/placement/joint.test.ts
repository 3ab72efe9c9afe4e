// The parts of the joint method for mixed shapes on their own: the relaxation's tiers on hand
// computed cases, and making room (chains of moves, leaving out) by table and by property.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { HubState } from '../../../src/placement/allocation.ts';
import type { PlacedGroup } from '../../../src/placement/make-room.ts';
import { makeRoom } from '../../../src/placement/make-room.ts';
import { relaxedPlacement } from '../../../src/placement/relaxation.ts';
import type { Resources } from '../../../src/placement/types.ts';

const gi = 2 ** 30;
const gpu = (n: number): Resources => ({ gpu: n, cpuMilli: 1000 * n, memoryBytes: gi * n });

/** a hub with `gpus` free and one hour of grid power at `intensity` g/kWh (PUE 1) */
function hub(name: string, gpus: number, intensity: number): HubState {
  return {
    name,
    curve: { pue: 1, gridCarbonIntensity: intensity, slots: [{ hours: 1, carbonIntensity: intensity, greenItW: null }] },
    residual: gpu(gpus),
    baseW: 0,
    horizonShare: 0,
  };
}

function group(eligible: number[], replicas: number, shape: number, placed: Record<number, number> = {}, running = 0): PlacedGroup {
  return { eligible, replicas, running, perReplica: gpu(shape), powerPerReplicaW: 100 * shape, placed: new Map(Object.entries(placed).map(([h, n]) => [Number(h), n])) };
}

/** hubs with what the groups' placements take booked off them */
function booked(hubs: HubState[], groups: PlacedGroup[]): HubState[] {
  for (const g of groups) {
    for (const [h, n] of g.placed) {
      const s = hubs[h];
      if (s === undefined) continue;
      s.residual.gpu -= n * g.perReplica.gpu;
      s.residual.cpuMilli -= n * g.perReplica.cpuMilli;
      s.residual.memoryBytes -= n * g.perReplica.memoryBytes;
      s.baseW += n * g.powerPerReplicaW;
    }
  }
  return hubs;
}

const total = (g: PlacedGroup): number => [...g.placed.values()].reduce((a, b) => a + b, 0);

// Each tier is fixed to its optimum less a relative 1e-6 before the next, so values hold to 1e-4.
describe('the relaxation', () => {
  it('places the most replicas first, then the fewest grams', () => {
    // Both groups would rather be on the clean hub 0, but only one fits there and group 0 can
    // use no other: placing both comes before the grams.
    const hubs = [hub('clean', 2, 100), hub('dirty', 2, 500)];
    for (const simplex of ['dual', 'primal'] as const) {
      const r = relaxedPlacement(hubs, [group([0], 2, 1), group([0, 1], 2, 1)], simplex);
      expect(r?.placed).toBeCloseTo(4, 4);
      expect(r?.replicas[0]?.[0]).toBeCloseTo(2, 4);
      expect(r?.replicas[1]?.[0]).toBeCloseTo(0, 4);
      expect(r?.replicas[1]?.[1]).toBeCloseTo(2, 4);
    }
  });

  it('fills the green part of a renewable hub before the grid, with fractions where a whole replica does not fit', () => {
    // 250 W of renewables: 2.5 replicas of 100 W run green there, the rest costs 800 g/kWh;
    // the other hub costs 300 g/kWh, so the renewable hub takes exactly its green 2.5.
    const green: HubState = { ...hub('green', 10, 800), curve: { pue: 1, gridCarbonIntensity: 800, slots: [{ hours: 1, carbonIntensity: 800, greenItW: 250 }] } };
    const r = relaxedPlacement([green, hub('grey', 10, 300)], [group([0, 1], 4, 1)], 'dual');
    expect(r?.placed).toBeCloseTo(4, 4);
    expect(r?.replicas[0]?.[0]).toBeCloseTo(2.5, 4);
    expect(r?.replicas[0]?.[1]).toBeCloseTo(1.5, 4);
  });

  it('keeps within every capacity dimension', () => {
    // memory binds: 3 GiB free holds 3 of these replicas although 10 GPUs are free
    const tight: HubState = { ...hub('h', 10, 100), residual: { gpu: 10, cpuMilli: 100_000, memoryBytes: 3 * gi } };
    const r = relaxedPlacement([tight], [group([0], 8, 1)], 'dual');
    expect(r?.placed).toBeCloseTo(3, 4);
  });
});

describe('making room across shapes', () => {
  it.each([
    {
      name: 'a chain of two moves: B to hub 2, A to hub 1, then the needy replica fits on hub 0',
      hubs: () => [hub('h0', 1, 100), hub('h1', 1, 100), hub('h2', 1, 100)],
      groups: () => [group([0], 1, 1), group([0, 1], 1, 1, { 0: 1 }), group([1, 2], 1, 1, { 1: 1 })],
      placed: [{ 0: 1 }, { 1: 1 }, { 2: 1 }],
    },
    {
      name: 'a new 8-GPU replica is left out when eight 1-GPU replicas then fit',
      hubs: () => [hub('h0', 8, 100)],
      groups: () => [group([0], 8, 1), group([0], 1, 8, { 0: 1 })],
      placed: [{ 0: 8 }, {}],
    },
    {
      name: 'a running 8-GPU replica is never left out',
      hubs: () => [hub('h0', 8, 100)],
      groups: () => [group([0], 8, 1), group([0], 1, 8, { 0: 1 }, 1)],
      placed: [{}, { 0: 1 }],
    },
    {
      name: 'nothing moves when the resident has nowhere else to go',
      hubs: () => [hub('h0', 1, 100), hub('h1', 0, 100)],
      groups: () => [group([0], 1, 1), group([0, 1], 1, 1, { 0: 1 })],
      placed: [{}, { 0: 1 }],
    },
  ])('$name', ({ hubs: makeHubs, groups: makeGroups, placed }) => {
    const groups = makeGroups();
    const hubs = booked(makeHubs(), groups);
    makeRoom(hubs, groups);
    groups.forEach((g, i) => {
      expect(Object.fromEntries(g.placed)).toEqual(placed[i]);
    });
    for (const h of hubs) expect(h.residual.gpu).toBeGreaterThanOrEqual(0);
  });

  const instances = fc
    .record({
      hubs: fc.array(fc.integer({ min: 0, max: 12 }), { minLength: 1, maxLength: 4 }),
      groups: fc.array(
        fc.record({ mask: fc.integer({ min: 1, max: 15 }), replicas: fc.integer({ min: 0, max: 6 }), shape: fc.constantFrom(1, 2, 4, 8), running: fc.integer({ min: 0, max: 6 }) }),
        { minLength: 1, maxLength: 6 },
      ),
    })
    .map(({ hubs: free, groups: drafts }) => {
      const hubs = free.map((n, i) => hub(`h${i}`, n, 100 + i));
      const groups = drafts.map((d) => {
        const eligible = free.map((_, i) => i).filter((i) => (d.mask >> i) & 1);
        return group(eligible.length > 0 ? eligible : [0], d.replicas, d.shape, {}, Math.min(d.running, d.replicas));
      });
      // a first packing, greedily in order, that making room starts from
      for (const g of groups) {
        for (const h of g.eligible) {
          const s = hubs[h];
          if (s === undefined) continue;
          const n = Math.min(g.replicas - total(g), Math.floor(s.residual.gpu / g.perReplica.gpu));
          if (n <= 0) continue;
          g.placed.set(h, n);
          booked([s], [{ ...g, placed: new Map([[0, n]]) }]);
        }
      }
      return { hubs, groups, free };
    });

  it('never places fewer replicas in all, nor loses a running one, nor leaves its hubs or their capacity', () => {
    fc.assert(
      fc.property(instances, ({ hubs, groups, free }) => {
        const before = groups.map(total);
        makeRoom(hubs, groups);
        const after = groups.map(total);
        expect(after.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(before.reduce((a, b) => a + b, 0));
        groups.forEach((g, i) => {
          expect(after[i]).toBeLessThanOrEqual(g.replicas);
          expect(after[i]).toBeGreaterThanOrEqual(Math.min(before[i] ?? 0, g.running));
          for (const h of g.placed.keys()) expect(g.eligible).toContain(h);
        });
        free.forEach((n, h) => {
          const load = groups.reduce((sum, g) => sum + (g.placed.get(h) ?? 0) * g.perReplica.gpu, 0);
          expect(load).toBeLessThanOrEqual(n);
          expect(hubs[h]?.residual.gpu).toBe(n - load);
        });
      }),
      { numRuns: 300 },
    );
  });
});

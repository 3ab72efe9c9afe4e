// Table tests: the stability rules and the sentence each decision gives, on hand-built hubs.
import { describe, expect, it } from 'vitest';
import { plan } from '../../../src/placement/plan.ts';
import { duration, percent } from '../../../src/placement/reasons.ts';
import type { PlanInput, PlannerHub, PlannerWorkload, WorkloadPlan } from '../../../src/placement/types.ts';
import { afterPlan } from './oracle.ts';

const hour = 3_600_000;
const minute = 60_000;
const now = Date.UTC(2026, 10, 29, 12);
const roomy = { gpu: 100, cpuMilli: 1_000_000, memoryBytes: 2 ** 40 };

/** a hub with one share per hour from now, carbon intensity following it */
function hub(name: string, shares: number[], extra: Partial<PlannerHub> = {}): PlannerHub {
  return {
    name,
    pue: 1,
    gridCarbonIntensity: 800,
    free: roomy,
    slots: shares.map((share, i) => ({
      startMs: now + i * hour,
      endMs: now + (i + 1) * hour,
      renewableShare: share,
      carbonIntensity: Math.round(800 * (1 - share)),
      renewableMW: null,
    })),
    ...extra,
  };
}

function workload(key: string, extra: Partial<PlannerWorkload> = {}): PlannerWorkload {
  return {
    key,
    replicas: 1,
    perReplica: { gpu: 1, cpuMilli: 1000, memoryBytes: 2 ** 30 },
    powerPerReplicaW: 700,
    eligibleHubs: ['grey', 'green'],
    currentHub: 'grey',
    lastMoveMs: null,
    minDwellMs: 2 * hour,
    minImprovement: 0.1,
    mode: 'Enforce',
    ...extra,
  };
}

const flat = (share: number): number[] => [share, share, share, share];

function planOne(hubs: PlannerHub[], w: PlannerWorkload, extra: Partial<PlanInput> = {}): WorkloadPlan {
  const p = plan({ nowMs: now, hubs, workloads: [w], limits: { maxConcurrentMoves: 10, maxConcurrentMovesPerHub: 10 }, movesInProgress: [], ...extra });
  const wp = p.workloads[0];
  if (wp === undefined) throw new Error('no plan for the workload');
  return wp;
}

describe('decisions and their reasons', () => {
  const greyAndGreen = [hub('grey', flat(0.3)), hub('green', flat(0.8))];

  it.each([
    {
      name: 'first placement goes to the greenest hub with room',
      w: workload('f/first', { currentHub: null }),
      hub: 'green',
      moved: false,
      reason: 'first placement in green: greenest eligible hub with room',
    },
    {
      name: 'a gain of 50 points over the dwell window moves it',
      w: workload('f/move'),
      hub: 'green',
      moved: true,
      reason: 'moved from grey to green: +50 % renewable share over the next 2 h',
    },
    {
      name: 'within minDwell it stays',
      w: workload('f/dwell', { lastMoveMs: now - 12 * minute, minDwellMs: 30 * minute }),
      hub: 'grey',
      moved: false,
      reason: 'stays: moved 12 min ago, minDwell 30 m',
    },
    {
      name: 'exactly minDwell after the last move it may move again',
      w: workload('f/dwell-over', { lastMoveMs: now - 30 * minute, minDwellMs: 30 * minute }),
      hub: 'green',
      moved: true,
      reason: 'moved from grey to green: +50 % renewable share over the next 1 h',
    },
    {
      name: 'a hub that is no longer eligible is left whatever the rules',
      w: workload('f/gone', { currentHub: 'coal', eligibleHubs: ['grey', 'green'], lastMoveMs: now - minute }),
      hub: 'green',
      moved: true,
      reason: 'moved from coal to green: coal is no longer eligible',
    },
    {
      name: 'on the greenest hub it stays',
      w: workload('f/green', { currentHub: 'green' }),
      hub: 'green',
      moved: false,
      reason: 'stays: no eligible hub is greener than green over the next 2 h',
    },
    {
      name: 'with no eligible hub nothing is placed',
      w: workload('f/none', { eligibleHubs: [], currentHub: null }),
      hub: null,
      moved: false,
      reason: 'not placed: no hub is eligible (latency budget and hubSelector)',
    },
  ])('$name', ({ w, hub: expectedHub, moved, reason }) => {
    const wp = planOne(greyAndGreen, w);
    expect(wp.hub).toBe(expectedHub);
    expect(wp.moved).toBe(moved);
    expect(wp.reason).toBe(reason);
  });

  it('stays when the gain is below minImprovement', () => {
    const wp = planOne([hub('grey', flat(0.76)), hub('green', flat(0.8))], workload('f/small'));
    expect(wp).toMatchObject({ hub: 'grey', moved: false, reason: 'stays: gain 4 % is below minImprovement 10 %' });
  });

  it('judges a move on the dwell window, not on one hour of green', () => {
    // green: 90 %, then two hours of 25 %, then 90 % again; grey 40 % throughout. Over the
    // 4 h horizon green emits less, so the optimiser proposes it either way.
    const hubs = [hub('grey', flat(0.4)), hub('green', [0.9, 0.25, 0.25, 0.9])];
    // over 3 h green averages (0.9 + 0.25 + 0.25) / 3 = 46.7 %: +6.7 points, below 10
    expect(planOne(hubs, workload('f/spike', { minDwellMs: 3 * hour }))).toMatchObject({
      hub: 'grey',
      reason: 'stays: gain 6.7 % is below minImprovement 10 %',
    });
    // over 1 h it is +50 points
    expect(planOne(hubs, workload('f/spike', { minDwellMs: 0 }))).toMatchObject({
      hub: 'green',
      moved: true,
      reason: 'moved from grey to green: +50 % renewable share over the next 1 h',
    });
  });

  it('does not move a workload whose previous rollout is still in progress', () => {
    const wp = planOne(greyAndGreen, workload('f/rolling'), { movesInProgress: ['f/rolling'] });
    expect(wp).toMatchObject({ hub: 'grey', moved: false, reason: 'stays: previous rollout still in progress' });
  });

  it('counts rollouts in progress against the total move budget', () => {
    const wp = planOne(greyAndGreen, workload('f/waits'), {
      limits: { maxConcurrentMoves: 2, maxConcurrentMovesPerHub: 10 },
      movesInProgress: ['other/a', 'other/b'],
    });
    expect(wp).toMatchObject({ hub: 'grey', moved: false, reason: 'stays: move budget of 2 concurrent rollouts is used' });
  });

  it('gives the per-hub budget to the biggest gain, then by key', () => {
    const hubs = [hub('grey', flat(0.3)), hub('dim', flat(0.5)), hub('green', flat(0.8))];
    const p = plan({
      nowMs: now,
      hubs,
      workloads: [
        workload('f/b', { currentHub: 'grey', eligibleHubs: ['grey', 'green'] }),
        workload('f/a', { currentHub: 'grey', eligibleHubs: ['grey', 'green'] }),
        workload('f/c', { currentHub: 'dim', eligibleHubs: ['dim', 'green'] }),
      ],
      limits: { maxConcurrentMoves: 10, maxConcurrentMovesPerHub: 1 },
      movesInProgress: [],
    });
    const byKey = new Map(p.workloads.map((wp) => [wp.key, wp]));
    // f/a and f/b both gain 50 points from grey; f/c gains 30 from dim. One move per hub: f/a's
    // uses the budget of both grey and green.
    expect(byKey.get('f/a')).toMatchObject({ hub: 'green', moved: true });
    expect(byKey.get('f/b')).toMatchObject({ hub: 'grey', moved: false, reason: 'stays: move budget of 1 concurrent rollout per hub is used at grey' });
    expect(byKey.get('f/c')).toMatchObject({ hub: 'dim', moved: false, reason: 'stays: move budget of 1 concurrent rollout per hub is used at green' });
  });

  it('counts both ends of a rollout in progress against the per-hub budget', () => {
    const p = plan({
      nowMs: now,
      hubs: [hub('grey', flat(0.3)), hub('green', flat(0.8)), hub('elsewhere', flat(0.5))],
      workloads: [workload('f/moving', { currentHub: 'elsewhere', previousHub: 'grey', eligibleHubs: ['elsewhere'] }), workload('f/next')],
      limits: { maxConcurrentMoves: 10, maxConcurrentMovesPerHub: 1 },
      movesInProgress: ['f/moving'],
    });
    expect(p.workloads.find((wp) => wp.key === 'f/next')).toMatchObject({
      hub: 'grey',
      reason: 'stays: move budget of 1 concurrent rollout per hub is used at grey',
    });
  });

  it('breaks ties between identical hubs by name, and lists fallbacks greenest first', () => {
    const wp = planOne([hub('b', flat(0.5)), hub('a', flat(0.5)), hub('c', flat(0.6)), hub('d', flat(0.2))], workload('f/tie', { currentHub: null, eligibleHubs: ['d', 'b', 'a'] }));
    expect(wp.hub).toBe('a');
    expect(wp.fallbacks).toEqual(['b', 'd']);
    expect(wp.expected).toEqual({ renewableShare: 0.5, carbonIntensity: 400 });
  });

  it('fills renewable power first, then the cleaner grid (hand computed)', () => {
    // sun: 1400 W green (two replicas), then grid at 800 g/kWh; wind-less: 300 g/kWh flat
    const sun = hub('sun', [0.9], { slots: [{ startMs: now, endMs: now + hour, renewableShare: 0.9, carbonIntensity: 80, renewableMW: 0.0014 }] });
    const flatGrid = hub('grid', [0.5], { slots: [{ startMs: now, endMs: now + hour, renewableShare: 0.5, carbonIntensity: 300, renewableMW: null }] });
    const p = plan({
      nowMs: now,
      hubs: [sun, flatGrid],
      workloads: [workload('f/five', { replicas: 5, currentHub: null, eligibleHubs: ['sun', 'grid'] })],
      limits: { maxConcurrentMoves: 10, maxConcurrentMovesPerHub: 10 },
      movesInProgress: [],
    });
    expect(p.workloads[0]?.replicasByHub).toEqual({ sun: 2, grid: 3 });
    expect(p.workloads[0]?.reason).toBe('first placement in grid: lowest expected emissions among eligible hubs with room');
    // 3 replicas x 700 W x 1 h = 2.1 kWh at 300 g/kWh; the two at sun run green
    expect(p.expectedEmissionsG).toBeCloseTo(630, 6);
    expect(p.hubs['sun']).toMatchObject({ replicas: 2, powerW: 1400 });
  });

  it('leaves a workload unplaced when no eligible hub has room, and says how much found none', () => {
    const full = { gpu: 0, cpuMilli: 0, memoryBytes: 0 };
    const wp = planOne([hub('grey', flat(0.3), { free: full }), hub('green', flat(0.8), { free: full })], workload('f/full', { currentHub: null }));
    expect(wp).toMatchObject({ hub: null, replicasByHub: {}, reason: 'not placed: no eligible hub has room for any replica' });
    const partial = planOne(
      [hub('grey', flat(0.3), { free: full }), hub('green', flat(0.8), { free: { gpu: 2, cpuMilli: 1e6, memoryBytes: 2 ** 40 } })],
      workload('f/part', { currentHub: null, replicas: 3 }),
    );
    expect(partial.reason).toBe('first placement in green: greenest eligible hub with room; 1 of 3 replicas find no room');
  });

  it('keeps a staying workload on its hub when its capacity is contested', () => {
    const small = { gpu: 1, cpuMilli: 1e6, memoryBytes: 2 ** 40 };
    const p = plan({
      nowMs: now,
      hubs: [hub('grey', flat(0.3)), hub('green', flat(0.8), { free: small })],
      workloads: [
        workload('a/newcomer', { currentHub: null, eligibleHubs: ['green', 'grey'] }),
        workload('b/resident', { currentHub: 'green', eligibleHubs: ['green', 'grey'], lastMoveMs: now - 5 * minute }),
      ],
      limits: { maxConcurrentMoves: 10, maxConcurrentMovesPerHub: 10 },
      movesInProgress: [],
    });
    const byKey = new Map(p.workloads.map((wp) => [wp.key, wp]));
    expect(byKey.get('b/resident')).toMatchObject({ hub: 'green', replicasByHub: { green: 1 } });
    expect(byKey.get('a/newcomer')).toMatchObject({ hub: 'grey', replicasByHub: { grey: 1 } });
  });

  it('plans Shadow workloads like Enforce ones', () => {
    expect(planOne(greyAndGreen, workload('f/shadow', { mode: 'Shadow' }))).toMatchObject({ hub: 'green', moved: true });
  });
});

describe('formatting', () => {
  it.each([
    [30 * minute, '30 m'],
    [2 * hour, '2 h'],
    [90 * minute, '1 h 30 m'],
  ])('duration(%i) is %s', (ms, text) => {
    expect(duration(ms)).toBe(text);
  });

  it.each([
    [0.23, '23'],
    [0.234, '23.4'],
    [0.04, '4'],
  ])('percent(%f) is %s', (share, text) => {
    expect(percent(share)).toBe(text);
  });
});

describe('a held workload gives way to one with nowhere else to go', () => {
  const gpus = (gpu: number): PlannerHub['free'] => ({ gpu, cpuMilli: 1_000_000, memoryBytes: 2 ** 40 });
  const limits = { maxConcurrentMoves: 10, maxConcurrentMovesPerHub: 10 };
  const byKeyOf = (p: ReturnType<typeof plan>): Map<string, WorkloadPlan> => new Map(p.workloads.map((wp) => [wp.key, wp]));

  it('moves a resident held by minDwell off the only hub a newcomer may use', () => {
    // east holds 2 GPUs, both taken by the resident, which moved there 10 min ago (dwell 2 h) and
    // may also run at west; the newcomer's latency budget allows east only. Placing both needs
    // the resident at west: 3 replicas placed instead of 2.
    const p = plan({
      nowMs: now,
      hubs: [hub('east', flat(0.8), { free: gpus(2) }), hub('west', flat(0.3), { free: gpus(4) })],
      workloads: [
        workload('a/resident', { replicas: 2, currentHub: 'east', eligibleHubs: ['east', 'west'], lastMoveMs: now - 10 * minute }),
        workload('b/newcomer', { currentHub: null, eligibleHubs: ['east'] }),
      ],
      limits,
      movesInProgress: [],
    });
    const byKey = byKeyOf(p);
    expect(byKey.get('b/newcomer')).toMatchObject({ hub: 'east', replicasByHub: { east: 1 } });
    // one replica must leave east; the resident's planned hub is where most of its replicas go
    const resident = byKey.get('a/resident');
    expect(resident?.replicasByHub['west']).toBeGreaterThanOrEqual(1);
    expect((resident?.replicasByHub['east'] ?? 0) + (resident?.replicasByHub['west'] ?? 0)).toBe(2);
    expect(p.hubs['east']?.load.gpu).toBeLessThanOrEqual(2);
  });

  it('moves the whole resident and says why when it is held by minImprovement', () => {
    // west is less green, so the resident would never move there for carbon; east has room for
    // one of the newcomer's two replicas only if the resident (1 replica) leaves.
    const p = plan({
      nowMs: now,
      hubs: [hub('east', flat(0.8), { free: gpus(2) }), hub('west', flat(0.3), { free: gpus(4) })],
      workloads: [
        workload('a/resident', { currentHub: 'east', eligibleHubs: ['east', 'west'] }),
        workload('b/newcomer', { replicas: 2, currentHub: null, eligibleHubs: ['east'] }),
      ],
      limits,
      movesInProgress: [],
    });
    const byKey = byKeyOf(p);
    expect(byKey.get('b/newcomer')).toMatchObject({ hub: 'east', replicasByHub: { east: 2 } });
    expect(byKey.get('a/resident')).toMatchObject({
      hub: 'west',
      replicasByHub: { west: 1 },
      moved: true,
      reason: 'moved from east to west: east is needed by b/newcomer, which has no other eligible hub',
    });
  });

  it('displaces the fewest residents: one big one rather than two small ones', () => {
    // east: 4 GPUs, residents of 1, 1 and 2 replicas; the newcomer needs 2. Moving the
    // 2-replica resident alone is enough; moving the two small ones would be two rollouts.
    const p = plan({
      nowMs: now,
      hubs: [hub('east', flat(0.8), { free: gpus(4) }), hub('west', flat(0.3), { free: gpus(8) })],
      workloads: [
        workload('a/small-1', { currentHub: 'east', eligibleHubs: ['east', 'west'] }),
        workload('a/small-2', { currentHub: 'east', eligibleHubs: ['east', 'west'] }),
        workload('a/big', { replicas: 2, currentHub: 'east', eligibleHubs: ['east', 'west'] }),
        workload('b/newcomer', { replicas: 2, currentHub: null, eligibleHubs: ['east'] }),
      ],
      limits,
      movesInProgress: [],
    });
    const byKey = byKeyOf(p);
    expect(byKey.get('b/newcomer')?.replicasByHub).toEqual({ east: 2 });
    expect(p.workloads.filter((wp) => wp.moved).map((wp) => wp.key)).toEqual(['a/big']);
  });

  it('moves nothing when the resident has nowhere else to go, or its rollout is in progress', () => {
    const crowded = {
      nowMs: now,
      hubs: [hub('east', flat(0.8), { free: gpus(1) }), hub('west', flat(0.3), { free: gpus(0) })],
      workloads: [
        workload('a/resident', { currentHub: 'east', eligibleHubs: ['east', 'west'] }),
        workload('b/newcomer', { currentHub: null, eligibleHubs: ['east'] }),
      ],
      limits,
      movesInProgress: [],
    };
    const full = byKeyOf(plan(crowded));
    expect(full.get('a/resident')).toMatchObject({ hub: 'east', moved: false });
    expect(full.get('b/newcomer')).toMatchObject({ hub: null, reason: 'not placed: no eligible hub has room for any replica' });
    // west has room, but the resident's last rollout is still running: it is not interrupted
    const rolling = byKeyOf(plan({ ...crowded, hubs: [hub('east', flat(0.8), { free: gpus(1) }), hub('west', flat(0.3), { free: gpus(4) })], movesInProgress: ['a/resident'] }));
    expect(rolling.get('a/resident')).toMatchObject({ hub: 'east', moved: false, reason: 'stays: previous rollout still in progress' });
    expect(rolling.get('b/newcomer')?.hub).toBeNull();
  });

  it('gives way within the move budget that the other moves leave', () => {
    const input = (limits: PlanInput['limits'], movesInProgress: string[] = []): PlanInput => ({
      nowMs: now,
      hubs: [hub('east', flat(0.8), { free: gpus(1) }), hub('west', flat(0.3), { free: gpus(4) }), hub('south', flat(0.5))],
      workloads: [
        workload('a/resident', { currentHub: 'east', eligibleHubs: ['east', 'west'], lastMoveMs: now - minute }),
        workload('b/newcomer', { currentHub: null, eligibleHubs: ['east'] }),
        workload('c/rolling', { currentHub: 'south', previousHub: 'west', eligibleHubs: ['south'] }),
      ],
      limits,
      movesInProgress,
    });
    // one move at a time, one free: the resident goes
    expect(byKeyOf(plan(input({ maxConcurrentMoves: 1, maxConcurrentMovesPerHub: 1 }))).get('a/resident')).toMatchObject({ hub: 'west', moved: true });
    // the only slot is taken by a rollout in progress, in total or at west: the newcomer waits
    for (const limits of [
      { maxConcurrentMoves: 1, maxConcurrentMovesPerHub: 5 },
      { maxConcurrentMoves: 5, maxConcurrentMovesPerHub: 1 },
    ]) {
      const byKey = byKeyOf(plan(input(limits, ['c/rolling'])));
      expect(byKey.get('a/resident')).toMatchObject({ hub: 'east', moved: false });
      expect(byKey.get('b/newcomer')?.hub).toBeNull();
    }
  });

  it('says "no other eligible hub with room" when the needy workload has other, full hubs', () => {
    const p = plan({
      nowMs: now,
      hubs: [hub('east', flat(0.8), { free: gpus(1) }), hub('north', flat(0.5), { free: gpus(0) }), hub('west', flat(0.3), { free: gpus(4) })],
      workloads: [
        workload('a/resident', { currentHub: 'east', eligibleHubs: ['east', 'west'] }),
        workload('b/newcomer', { currentHub: null, eligibleHubs: ['east', 'north'] }),
      ],
      limits,
      movesInProgress: [],
    });
    expect(byKeyOf(p).get('a/resident')?.reason).toBe('moved from east to west: east is needed by b/newcomer, which has no other eligible hub with room');
  });

  it('is idempotent: planning again from the result moves nothing', () => {
    const input: PlanInput = {
      nowMs: now,
      hubs: [hub('east', flat(0.8), { free: gpus(2) }), hub('west', flat(0.3), { free: gpus(4) })],
      workloads: [
        workload('a/resident', { replicas: 2, currentHub: 'east', eligibleHubs: ['east', 'west'], lastMoveMs: now - 10 * minute }),
        workload('b/newcomer', { replicas: 2, currentHub: null, eligibleHubs: ['east'] }),
      ],
      limits,
      movesInProgress: [],
    };
    const first = plan(input);
    const again = plan(afterPlan(input, first));
    expect(again.workloads.filter((wp) => wp.moved)).toEqual([]);
    expect(again.workloads.map((wp) => wp.replicasByHub)).toEqual(first.workloads.map((wp) => wp.replicasByHub));
  });
});

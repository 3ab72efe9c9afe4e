// Seeded random placement instances, shaped like the real problem: hubs with diurnal renewable
// shares (some with their own MW of wind and sun), factories in a few regions whose latency
// budgets make the eligible sets, a few replica shapes.
import type { PlanInput, PlannerHub, PlannerWorkload, Resources } from '../../../src/placement/types.ts';
import { seededRandom } from '../../../src/simulate/random.ts';

export const hourMs = 3_600_000;
const gi = 2 ** 30;

// The simulator's seeded source (mulberry32): the same sequence on every machine.
export { seededRandom };

export interface Shape {
  perReplica: Resources;
  powerPerReplicaW: number;
}

export const shapes = {
  gpu1: { perReplica: { gpu: 1, cpuMilli: 4000, memoryBytes: 16 * gi }, powerPerReplicaW: 700 },
  gpu2: { perReplica: { gpu: 2, cpuMilli: 8000, memoryBytes: 32 * gi }, powerPerReplicaW: 1400 },
  cpu: { perReplica: { gpu: 0, cpuMilli: 2000, memoryBytes: 4 * gi }, powerPerReplicaW: 150 },
  gpu4: { perReplica: { gpu: 4, cpuMilli: 16_000, memoryBytes: 96 * gi }, powerPerReplicaW: 2900 },
  gpu8: { perReplica: { gpu: 8, cpuMilli: 48_000, memoryBytes: 512 * gi }, powerPerReplicaW: 6500 },
} satisfies Record<string, Shape>;

export interface InstanceOptions {
  seed: number;
  hubs: number;
  workloads: number;
  /** hourly slots from now */
  slots: number;
  shapes: Shape[];
  maxReplicas: number;
  /** factory regions; each has its own round trips to the hubs */
  regions: number;
  /** share of hubs whose slots carry renewableMW */
  renewableMWHubs: number;
  /** hub capacity relative to total demand (1 = just enough in total) */
  capacityFactor: number;
  /** give workloads a current hub, recent moves and rollouts in progress */
  hysteresis: boolean;
  limits?: PlanInput['limits'];
}

export const defaults: InstanceOptions = {
  seed: 1,
  hubs: 16,
  workloads: 1000,
  slots: 24,
  shapes: [shapes.gpu1, shapes.gpu2, shapes.cpu],
  maxReplicas: 4,
  regions: 6,
  renewableMWHubs: 0.5,
  capacityFactor: 1.3,
  hysteresis: false,
};

export function generateInstance(partial: Partial<InstanceOptions>): PlanInput {
  const o = { ...defaults, ...partial };
  const random = seededRandom(o.seed);
  const int = (lo: number, hi: number): number => lo + Math.floor(random() * (hi - lo + 1));
  const pick = <T>(xs: readonly T[]): T => {
    const x = xs[Math.floor(random() * xs.length)];
    if (x === undefined) throw new Error('pick from empty list');
    return x;
  };
  const nowMs = Date.UTC(2026, 5, 1, 6);

  const workloadsDraft = Array.from({ length: o.workloads }, (_, i) => ({
    key: `factory-${i % 7}/svc-${String(i).padStart(5, '0')}`,
    shape: pick(o.shapes),
    replicas: int(1, o.maxReplicas),
    region: int(0, o.regions - 1),
    budgetMs: pick([40, 55, 70, 90]),
  }));
  const demand = (dim: keyof Resources): number =>
    workloadsDraft.reduce((sum, w) => sum + w.replicas * w.shape.perReplica[dim], 0);
  const demandW = workloadsDraft.reduce((sum, w) => sum + w.replicas * w.shape.powerPerReplicaW, 0);

  const hubs: PlannerHub[] = Array.from({ length: o.hubs }, (_, h) => {
    const weight = (0.5 + random()) / o.hubs;
    const phase = random() * 24;
    const base = 0.15 + random() * 0.5;
    const swing = random() * 0.35;
    const gridCarbonIntensity = int(450, 850);
    const withMW = random() < o.renewableMWHubs;
    const mwScale = (demandW / 1e6 / o.hubs) * (0.3 + random() * 1.5);
    const slots = Array.from({ length: o.slots }, (_, t) => {
      const share = Math.min(1, Math.max(0, base + swing * Math.sin(((t + phase) / 24) * 2 * Math.PI) + (random() - 0.5) * 0.1));
      return {
        startMs: nowMs + t * hourMs,
        endMs: nowMs + (t + 1) * hourMs,
        renewableShare: share,
        carbonIntensity: Math.round(gridCarbonIntensity * (1 - share) * 10) / 10,
        renewableMW: withMW ? Math.round(mwScale * share * 1e4) / 1e4 : null,
      };
    });
    const cap = (dim: keyof Resources): number => Math.floor(demand(dim) * weight * o.capacityFactor);
    return {
      name: `hub-${String(h).padStart(2, '0')}`,
      pue: Math.round((1.1 + random() * 0.4) * 100) / 100,
      gridCarbonIntensity,
      free: { gpu: cap('gpu'), cpuMilli: cap('cpuMilli'), memoryBytes: cap('memoryBytes') },
      slots,
    };
  });

  const rtt = Array.from({ length: o.regions }, () => hubs.map(() => int(10, 100)));
  // Running workloads fit where they run: the scheduler put them there.
  const room = new Map(hubs.map((h) => [h.name, { ...h.free }]));
  const fits = (hub: string, shape: Shape, replicas: number): boolean => {
    const left = room.get(hub);
    if (left === undefined) return false;
    const dims = ['gpu', 'cpuMilli', 'memoryBytes'] as const;
    if (dims.some((d) => left[d] < shape.perReplica[d] * replicas)) return false;
    for (const d of dims) left[d] -= shape.perReplica[d] * replicas;
    return true;
  };
  const workloads: PlannerWorkload[] = workloadsDraft.map((d) => {
    const times = rtt[d.region] ?? [];
    const byDistance = hubs.map((h, i) => ({ name: h.name, ms: times[i] ?? 0 })).sort((a, b) => a.ms - b.ms || (a.name < b.name ? -1 : 1));
    let eligible = byDistance.filter((x) => x.ms <= d.budgetMs).map((x) => x.name);
    if (eligible.length === 0) eligible = byDistance.slice(0, 1).map((x) => x.name);
    const wanted = o.hysteresis && random() < 0.8 ? pick(eligible) : null;
    const current = wanted !== null && fits(wanted, d.shape, d.replicas) ? wanted : null;
    return {
      key: d.key,
      replicas: d.replicas,
      perReplica: d.shape.perReplica,
      powerPerReplicaW: d.shape.powerPerReplicaW,
      eligibleHubs: eligible,
      currentHub: current,
      lastMoveMs: current !== null && random() < 0.5 ? nowMs - int(0, 120) * 60_000 : null,
      minDwellMs: pick([0, 30, 60, 120]) * 60_000,
      minImprovement: pick([0, 0.05, 0.1, 0.2]),
      mode: random() < 0.2 ? 'Shadow' : 'Enforce',
    };
  });
  const movesInProgress = o.hysteresis ? workloads.filter(() => random() < 0.05).map((w) => w.key) : [];
  const limits = o.limits ?? (o.hysteresis ? { maxConcurrentMoves: int(0, 6), maxConcurrentMovesPerHub: int(0, 3) } : { maxConcurrentMoves: 1e9, maxConcurrentMovesPerHub: 1e9 });
  return { nowMs, hubs, workloads, limits, movesInProgress };
}

/**
 * The instance families of the mixed-shape work (docs/planner.md, "Mixed shapes"), each seeded:
 * shapes that compete for the same hubs, capacity near or below the demand. `size` scales a
 * family down (workloads and hubs) for the unit tests; the benchmark runs them at full size.
 */
export const families = {
  /** one shape, 8-GPU replicas, tight capacity, renewable kinks on every hub */
  eightGpuKinks: (seed: number, size: Partial<InstanceOptions> = {}): PlanInput =>
    generateInstance({ seed, hubs: 4 + (seed % 4), workloads: 30 + (seed % 40), slots: 12, shapes: [shapes.gpu8], regions: 3, renewableMWHubs: 1, capacityFactor: 0.6 + (seed % 5) * 0.1, ...size }),
  /** GPU x1, GPU x2 and CPU-only, capacity from half the demand to twice it */
  threeShapes: (seed: number, size: Partial<InstanceOptions> = {}): PlanInput =>
    generateInstance({ seed, hubs: 6, workloads: 120, slots: 12, regions: 3, capacityFactor: 0.5 + ((seed * 7) % 16) * 0.1, ...size }),
  /** 8-, 4- and 1-GPU replicas, capacity 0.6 to 1.2 times the demand */
  heavyAndLight: (seed: number, size: Partial<InstanceOptions> = {}): PlanInput =>
    generateInstance({ seed, hubs: 8, workloads: 200, slots: 12, shapes: [shapes.gpu8, shapes.gpu4, shapes.gpu1], regions: 4, capacityFactor: 0.6 + ((seed * 5) % 7) * 0.1, ...size }),
  /** five shapes, 8-GPU to CPU-only, 2,000 workloads on 16 hubs, capacity 0.6 to 1.4 times the demand */
  fiveShapes: (seed: number, size: Partial<InstanceOptions> = {}): PlanInput =>
    generateInstance({ seed, hubs: 16, workloads: 2000, slots: 24, shapes: [shapes.gpu8, shapes.gpu4, shapes.gpu2, shapes.gpu1, shapes.cpu], capacityFactor: 0.6 + ((seed * 3) % 9) * 0.1, ...size }),
} satisfies Record<string, (seed: number, size?: Partial<InstanceOptions>) => PlanInput>;

export type Family = keyof typeof families;

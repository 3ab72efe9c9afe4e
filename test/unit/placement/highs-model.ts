// An independent check of the optimiser: the same placement problem written as a MIP in CPLEX
// LP text and solved by HiGHS. Two phases, as the planner's objective is lexicographic: first
// the most replicas placed, then the least emissions with that many placed.
import highsModule from 'highs';
import type { Highs } from 'highs';
import type { PlanInput, Resources } from '../../../src/placement/types.ts';

const hourMs = 3_600_000;

/** Replicas that are interchangeable: one workload, or a class of identical workloads. */
export interface Item {
  replicas: number;
  perReplica: Resources;
  powerPerReplicaW: number;
  eligibleHubs: string[];
}

export interface MipResult {
  placed: number;
  emissionsG: number;
  /** 'Optimal', or the status HiGHS stopped with while holding a feasible solution */
  status: string;
  /** replicas per item index and hub name */
  solution: Map<number, Record<string, number>>;
}

// The package's types describe its CommonJS build, where the loader is `default`; the ESM
// build Node loads exports the loader itself.
const highsLoader = ((highsModule as unknown as { default?: unknown }).default ?? highsModule) as () => Promise<Highs>;
let highs: Promise<Highs> | undefined;
const loadHighs = (): Promise<Highs> => (highs ??= highsLoader());

/** One item per workload: the model the planner's answer is checked against. */
export function itemsOf(input: PlanInput): Item[] {
  return input.workloads.map((w) => ({ ...w, eligibleHubs: [...new Set(w.eligibleHubs)] }));
}

/** One item per (replica shape, eligible set): the same optimum with far fewer integers. */
export function classItemsOf(input: PlanInput): Item[] {
  const items = new Map<string, Item>();
  for (const w of input.workloads) {
    const eligible = [...new Set(w.eligibleHubs)].sort();
    const key = `${w.perReplica.gpu}|${w.perReplica.cpuMilli}|${w.perReplica.memoryBytes}|${w.powerPerReplicaW}|${eligible.join(',')}`;
    const item = items.get(key);
    if (item === undefined) items.set(key, { replicas: w.replicas, perReplica: w.perReplica, powerPerReplicaW: w.powerPerReplicaW, eligibleHubs: eligible });
    else item.replicas += w.replicas;
  }
  return [...items.values()];
}

export interface MipOptions {
  /** HiGHS stops when its incumbent is proven within this relative gap */
  relGap: number;
  timeLimitS: number;
  /** drop integrality: the LP relaxation, a lower bound on the emissions */
  relax: boolean;
  /** stop after phase 1, the most replicas placed (then `emissionsG` is NaN) */
  placedOnly: boolean;
}

export async function solveMip(input: PlanInput, items: Item[], options: Partial<MipOptions> = {}): Promise<MipResult> {
  const o: MipOptions = { relGap: 1e-10, timeLimitS: 300, relax: false, placedOnly: false, ...options };
  const solver = await loadHighs();
  const model = buildModel(input, items, o.relax);
  const highsOptions = { mip_rel_gap: o.relGap, mip_abs_gap: 1e-7, time_limit: o.timeLimitS, output_flag: false };
  const first = solver.solve(model.text('placed', null), highsOptions);
  if (first.Status !== 'Optimal') throw new Error(`HiGHS phase 1: ${first.Status}`);
  // The relaxation may place fractions; the emissions phase then asks for that (rounded down).
  const placed = Math.floor(-first.ObjectiveValue + 1e-6);
  if (o.placedOnly) return { placed, emissionsG: NaN, status: first.Status, solution: new Map() };
  const second = solver.solve(model.text('emissions', placed), highsOptions);
  const usable = second.Status === 'Optimal' || (second.Status === 'Time limit reached' && Number.isFinite(second.ObjectiveValue));
  if (!usable) throw new Error(`HiGHS phase 2: ${second.Status}`);
  const solution = new Map<number, Record<string, number>>();
  for (const x of model.xs) {
    const value = Math.round(second.Columns[x.name]?.Primal ?? 0);
    if (value === 0) continue;
    const row = solution.get(x.item) ?? {};
    row[x.hub] = value;
    solution.set(x.item, row);
  }
  return { placed, emissionsG: second.ObjectiveValue, status: second.Status, solution };
}

function num(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toPrecision(17);
}

function term(coefficient: number, variable: string): string {
  return coefficient < 0 ? ` - ${num(-coefficient)} ${variable}` : ` + ${num(coefficient)} ${variable}`;
}

function buildModel(input: PlanInput, items: Item[], relax: boolean) {
  const hubs = new Map(input.hubs.map((h) => [h.name, h]));
  const xs: { name: string; item: number; hub: string; cost: number; replicas: number }[] = [];
  const greenRows: string[] = [];
  const excess: { name: string; cost: number }[] = [];
  const capacityRows: string[] = [];
  items.forEach((item, i) => {
    for (const hubName of item.eligibleHubs) {
      const hub = hubs.get(hubName);
      if (hub === undefined) continue;
      let cost = 0;
      for (const slot of hub.slots) {
        const hours = (slot.endMs - Math.max(slot.startMs, input.nowMs)) / hourMs;
        if (hours <= 0 || slot.renewableMW !== null) continue;
        cost += (hours * hub.pue * item.powerPerReplicaW * slot.carbonIntensity) / 1000;
      }
      xs.push({ name: `x_${i}_${xs.length}`, item: i, hub: hubName, cost, replicas: item.replicas });
    }
  });
  input.hubs.forEach((hub, h) => {
    const here = xs.filter((x) => x.hub === hub.name);
    hub.slots.forEach((slot, t) => {
      const hours = (slot.endMs - Math.max(slot.startMs, input.nowMs)) / hourMs;
      if (hours <= 0 || slot.renewableMW === null || here.length === 0) return;
      // e >= IT power - green IT power, priced at the grid's intensity
      const e = `e_${h}_${t}`;
      excess.push({ name: e, cost: (hours * hub.pue * hub.gridCarbonIntensity) / 1000 });
      const lhs = here.map((x) => term(-(items[x.item]?.powerPerReplicaW ?? 0), x.name)).join('');
      greenRows.push(` g_${h}_${t}: ${e}${lhs} >= ${num(-(slot.renewableMW * 1e6) / hub.pue)}`);
    });
    for (const dim of ['gpu', 'cpuMilli', 'memoryBytes'] as const) {
      const terms = here.filter((x) => (items[x.item]?.perReplica[dim] ?? 0) > 0);
      if (terms.length === 0) continue;
      capacityRows.push(` cap_${h}_${dim}: ${terms.map((x) => term(items[x.item]?.perReplica[dim] ?? 0, x.name)).join('')} <= ${num(hub.free[dim])}`);
    }
  });
  const demandRows = items.map((item, i) => {
    const terms = xs.filter((x) => x.item === i);
    return terms.length === 0 ? '' : ` d_${i}: ${terms.map((x) => term(1, x.name)).join('')} <= ${item.replicas}`;
  });
  const text = (objective: 'placed' | 'emissions', placed: number | null): string => {
    const lines: string[] = [];
    if (objective === 'placed') lines.push('Minimize', ` obj:${xs.map((x) => term(-1, x.name)).join('') || ' 0 dummy'}`);
    else lines.push('Minimize', ` obj:${[...xs.map((x) => term(x.cost, x.name)), ...excess.map((e) => term(e.cost, e.name))].join('') || ' 0 dummy'}`);
    lines.push('Subject To', ...demandRows.filter((r) => r !== ''), ...capacityRows);
    if (objective === 'emissions') {
      lines.push(...greenRows);
      if (placed !== null && xs.length > 0) lines.push(` placed: ${xs.map((x) => term(1, x.name)).join('')} >= ${placed}`);
    }
    lines.push('Bounds', ...xs.map((x) => ` 0 <= ${x.name} <= ${x.replicas}`), ...excess.map((e) => ` ${e.name} >= 0`));
    if (xs.length === 0) lines.push(' dummy = 0');
    if (!relax) lines.push('General', ...xs.map((x) => ` ${x.name}`));
    lines.push('End');
    return lines.join('\n');
  };
  return { text, xs };
}

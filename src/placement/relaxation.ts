// The LP relaxation of the aggregated placement problem, all replica shapes at once: one
// variable per (group, eligible hub), the hubs' capacity shared by every shape, the carbon cost
// convex and piecewise linear in each hub's power (an excess variable per renewable slot).
// Solved exactly by HiGHS, lexicographically: most replicas placed, then most running ones
// placed, then least emissions. The rounding to whole replicas is `optimise.ts`'s.
import highsModule from 'highs';
import type { Highs } from 'highs';
import type { HubState } from './allocation.ts';
import type { Resources } from './types.ts';

/** Replicas that are interchangeable for the relaxation: one shape, one set of eligible hubs. */
export interface RelaxedGroup {
  eligible: readonly number[];
  replicas: number;
  /** replicas that run now: placed before new ones */
  running: number;
  perReplica: Resources;
  powerPerReplicaW: number;
  /** at most this many replicas on `eligible[k]`, when given */
  upper?: readonly number[];
}

// The package's types describe its CommonJS build, where the loader is `default`; the ESM build
// Node loads exports the loader itself. Loaded once with the module, so planning stays synchronous.
const loader = ((highsModule as unknown as { default?: unknown }).default ?? highsModule) as () => Promise<Highs>;
const highs = await loader();

/** Capacity rows in units near one, so that HiGHS's tolerances mean the same in every dimension. */
const dimensions = [
  ['gpu', 1],
  ['cpuMilli', 1000],
  ['memoryBytes', 2 ** 30],
] as const;

/**
 * Which simplex method solves the relaxation. Both reach its optimum, often at different
 * vertices, and so at different roundings; the optimiser rounds both and keeps the better.
 */
export type Simplex = 'primal' | 'dual';

const simplexStrategy: Record<Simplex, number> = { dual: 1, primal: 4 };

/** Slack on a tier once it is fixed, so the next tier's row is feasible within HiGHS's tolerances. */
const tierSlack = 1e-6;

export interface Relaxed {
  /** fractional replicas per group and eligible hub: `replicas[g][k]` on `groups[g].eligible[k]` */
  replicas: number[][];
  /** the most replicas the relaxation places (tier 1's optimum): no integral placement places more */
  placed: number;
}

/** The relaxation on top of the hubs' base load, within their residual capacity; null if HiGHS fails. */
export function relaxedPlacement(hubs: readonly HubState[], groups: readonly RelaxedGroup[], simplex: Simplex): Relaxed | null {
  const columns: { rows: number[]; values: number[]; lower: number; upper: number }[] = [];
  const rowLower: number[] = [];
  const rowUpper: number[] = [];
  const addRow = (lower: number, upper: number): number => {
    rowLower.push(lower);
    rowUpper.push(upper);
    return rowLower.length - 1;
  };
  const addColumn = (lower: number, upper: number): number => {
    columns.push({ rows: [], values: [], lower, upper });
    return columns.length - 1;
  };
  const entry = (column: number, row: number, value: number): void => {
    const c = columns[column];
    if (c === undefined || value === 0) return;
    c.rows.push(row);
    c.values.push(value);
  };

  const xColumns: number[][] = [];
  const placedCost: number[] = [];
  const runningCost: number[] = [];
  const carbonCost: number[] = [];
  const setCosts = (column: number, placed: number, running: number, carbon: number): void => {
    placedCost[column] = placed;
    runningCost[column] = running;
    carbonCost[column] = carbon;
  };
  const onHub: { column: number; group: RelaxedGroup }[][] = hubs.map(() => []);
  for (const group of groups) {
    const demand = addRow(-Infinity, group.replicas);
    const runningRow = group.running > 0 ? addRow(-Infinity, 0) : null;
    if (runningRow !== null) {
      // u ≤ running and u ≤ Σ x: the running replicas among those placed
      const u = addColumn(0, group.running);
      setCosts(u, 0, -1, 0);
      entry(u, runningRow, 1);
    }
    const xs: number[] = [];
    for (const [k, h] of group.eligible.entries()) {
      const x = addColumn(0, Math.min(group.replicas, group.upper?.[k] ?? Infinity));
      setCosts(x, -1, 0, linearGramsPerW(hubs[h]) * group.powerPerReplicaW);
      entry(x, demand, 1);
      if (runningRow !== null) entry(x, runningRow, -1);
      onHub[h]?.push({ column: x, group });
      xs.push(x);
    }
    xColumns.push(xs);
  }
  hubs.forEach((hub, h) => {
    const here = onHub[h] ?? [];
    if (here.length === 0) return;
    for (const [dim, unit] of dimensions) {
      const row = addRow(-Infinity, Math.max(0, hub.residual[dim]) / unit);
      for (const { column, group } of here) entry(column, row, group.perReplica[dim] / unit);
    }
    const { pue, gridCarbonIntensity } = hub.curve;
    for (const slot of hub.curve.slots) {
      if (slot.greenItW === null) continue;
      // e ≥ base + Σ p·x − green: the IT watts above the renewable supply, priced at the grid's intensity
      const row = addRow(hub.baseW - slot.greenItW, Infinity);
      const e = addColumn(0, Infinity);
      setCosts(e, 0, 0, (pue * slot.hours * gridCarbonIntensity) / 1000);
      entry(e, row, 1);
      for (const { column, group } of here) entry(column, row, -group.powerPerReplicaW);
    }
  });
  if (columns.length === 0) return { replicas: groups.map(() => []), placed: 0 };

  const starts: number[] = [0];
  const indices: number[] = [];
  const values: number[] = [];
  for (const c of columns) {
    indices.push(...c.rows);
    values.push(...c.values);
    starts.push(indices.length);
  }
  const numCols = columns.length;
  const model = highs.createModel({
    numCols,
    numRows: rowLower.length,
    colCost: placedCost,
    colLower: columns.map((c) => c.lower),
    colUpper: columns.map((c) => (c.upper === Infinity ? highs.infinity : c.upper)),
    rowLower: rowLower.map((v) => (v === -Infinity ? -highs.infinity : v)),
    rowUpper: rowUpper.map((v) => (v === Infinity ? highs.infinity : v)),
    matrix: { format: 'csc', numRows: rowLower.length, numCols, starts, indices, values },
  });
  try {
    model.options.set({ output_flag: false, log_to_console: false, presolve: 'off', simplex_strategy: simplexStrategy[simplex] });
    const all = { kind: 'range', from: 0, to: numCols - 1 } as const;
    const tiers = [placedCost, runningCost, carbonCost].filter((costs) => costs.some((c) => c !== 0));
    let placed = 0;
    for (const [i, costs] of tiers.entries()) {
      if (i > 0) {
        // Fix the tier before: no less of it than the optimum found, give or take the slack.
        const previous = tiers[i - 1] ?? [];
        const best = model.getObjectiveValue();
        const nonzero = previous.flatMap((c, j) => (c === 0 ? [] : [j]));
        model.addRow(-highs.infinity, best + tierSlack * Math.max(1, Math.abs(best)), {
          indices: nonzero,
          values: nonzero.map((j) => previous[j] ?? 0),
        });
        model.changeColsCost(all, costs);
      }
      const result = model.run();
      if (result.modelStatus !== highs.constants.modelStatus.optimal) return null;
      if (i === 0) placed = -model.getObjectiveValue();
    }
    const primal = model.getSolution().colValue;
    return { replicas: xColumns.map((xs) => xs.map((x) => Math.max(0, primal[x] ?? 0))), placed };
  } finally {
    model.dispose();
  }
}

/** Grams per IT watt over the horizon from the slots without renewable MW (linear in load). */
function linearGramsPerW(hub: HubState | undefined): number {
  if (hub === undefined) return 0;
  let grams = 0;
  for (const slot of hub.curve.slots) {
    if (slot.greenItW === null) grams += (hub.curve.pue * slot.hours * slot.carbonIntensity) / 1000;
  }
  return grams;
}

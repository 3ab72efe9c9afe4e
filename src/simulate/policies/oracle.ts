// Perfect foresight: with moves free, the whole-range problem falls apart into one problem per
// step, each solved exactly by HiGHS: replicas per (workload, eligible hub), capacity per hub
// and resource, the convex carbon cost (green up to the renewable headroom, grid above it)
// as an LP. Replicas may be fractional, so the result is a lower bound on any real placement;
// `integral` asks for whole replicas (a MIP) instead.
import type { Highs } from 'highs';
import type { Resources } from '../../placement/types.ts';
import { eligibleIndices, emptyAllocation, type Allocation } from '../allocation.ts';
import { greenHeadroomMW, type HubEnergy } from '../energy.ts';
import type { Scenario } from '../scenario.ts';
import type { SignalStep } from '../trace.ts';
import type { Policy } from './policy.ts';

export interface StepProblem {
  hours: number;
  hubs: (HubEnergy & { free: Resources; signal: SignalStep })[];
  workloads: { replicas: number; perReplica: Resources; powerPerReplicaW: number; eligible: number[] }[];
}

export interface StepSolution {
  allocation: Allocation;
  /** grams of the placed load, as the LP prices it */
  grams: number;
  pendingReplicas: number;
}

const gib = 1024 ** 3;

function num(value: number): string {
  const text = Number(value.toPrecision(12)).toString();
  return text.includes('e') ? value.toFixed(12) : text;
}

/** The step's problem in CPLEX LP format. Power in kW so coefficients stay near 1. */
export function stepLp(problem: StepProblem, integral: boolean): { text: string; pendingPenalty: number } {
  const objective: string[] = [];
  const rows: string[] = [];
  const columns: string[] = [];
  let maxGramsPerReplica = 0;
  const terms = problem.hubs.map(() => ({ kw: [] as string[], gpu: [] as string[], cpu: [] as string[], mem: [] as string[] }));
  problem.workloads.forEach((w, i) => {
    const demand: string[] = [`p${i}`];
    for (const h of w.eligible) {
      const hub = problem.hubs[h];
      const t = terms[h];
      if (hub === undefined || t === undefined) continue;
      const x = `x${i}_${h}`;
      columns.push(x);
      demand.push(x);
      const kw = (w.powerPerReplicaW * hub.pue) / 1000;
      if (greenHeadroomMW(hub.signal, hub) === null) {
        const grams = kw * problem.hours * hub.signal.carbonIntensity;
        objective.push(`${num(grams)} ${x}`);
        maxGramsPerReplica = Math.max(maxGramsPerReplica, grams);
      } else {
        t.kw.push(`${num(kw)} ${x}`);
        maxGramsPerReplica = Math.max(maxGramsPerReplica, kw * problem.hours * hub.gridCarbonIntensity);
      }
      if (w.perReplica.gpu > 0) t.gpu.push(`${num(w.perReplica.gpu)} ${x}`);
      if (w.perReplica.cpuMilli > 0) t.cpu.push(`${num(w.perReplica.cpuMilli / 1000)} ${x}`);
      if (w.perReplica.memoryBytes > 0) t.mem.push(`${num(w.perReplica.memoryBytes / gib)} ${x}`);
    }
    rows.push(` d${i}: ${demand.join(' + ')} = ${num(w.replicas)}`);
  });
  problem.hubs.forEach((hub, h) => {
    const t = terms[h];
    if (t === undefined) return;
    const headroom = greenHeadroomMW(hub.signal, hub);
    if (headroom !== null && t.kw.length > 0) {
      // grid_h ≥ facility kW − green kW: only the part above the headroom costs carbon.
      rows.push(` g${h}: ${t.kw.join(' + ')} - y${h} <= ${num(headroom * 1000)}`);
      objective.push(`${num(problem.hours * hub.gridCarbonIntensity)} y${h}`);
    }
    if (t.gpu.length > 0) rows.push(` cg${h}: ${t.gpu.join(' + ')} <= ${num(hub.free.gpu)}`);
    if (t.cpu.length > 0) rows.push(` cc${h}: ${t.cpu.join(' + ')} <= ${num(hub.free.cpuMilli / 1000)}`);
    if (t.mem.length > 0) rows.push(` cm${h}: ${t.mem.join(' + ')} <= ${num(hub.free.memoryBytes / gib)}`);
  });
  // A pending replica costs more than any placement, so the LP places all that fit first.
  const pendingPenalty = 1000 * (maxGramsPerReplica + 1);
  problem.workloads.forEach((_, i) => objective.push(`${num(pendingPenalty)} p${i}`));
  const text = [
    'Minimize',
    ` obj: ${objective.length > 0 ? objective.join(' + ') : '0 p0'}`,
    'Subject To',
    ...rows,
    ...(integral && columns.length > 0 ? ['General', ` ${columns.join(' ')}`] : []),
    'End',
  ].join('\n');
  return { text, pendingPenalty };
}

export function solveStep(highs: Highs, problem: StepProblem, integral = false): StepSolution {
  if (problem.workloads.length === 0) return { allocation: [], grams: 0, pendingReplicas: 0 };
  const { text, pendingPenalty } = stepLp(problem, integral);
  const result = highs.solve(text, { output_flag: false });
  if (result.Status !== 'Optimal') throw new Error(`oracle: HiGHS ended with status ${result.Status}`);
  const value = (name: string): number => {
    const column = (result.Columns as Record<string, { Primal?: number } | undefined>)[name];
    return Math.max(0, column?.Primal ?? 0);
  };
  let pendingReplicas = 0;
  const allocation = problem.workloads.map((w, i) => {
    const row = new Array<number>(problem.hubs.length).fill(0);
    for (const h of w.eligible) row[h] = value(`x${i}_${h}`);
    pendingReplicas += value(`p${i}`);
    return row;
  });
  return { allocation, grams: result.ObjectiveValue - pendingPenalty * pendingReplicas, pendingReplicas };
}

export function oraclePolicy(scenario: Scenario, highs: Highs, integral = false): Policy {
  const eligible = eligibleIndices(scenario);
  const workloads = scenario.workloads.map((w, i) => ({
    replicas: w.planner.replicas,
    perReplica: w.planner.perReplica,
    powerPerReplicaW: w.planner.powerPerReplicaW,
    eligible: eligible[i] ?? [],
  }));
  return {
    name: 'oracle',
    decide: (context) => {
      const hubs = scenario.hubs.map((hub, h) => ({ ...hub, signal: context.actual[h] ?? { carbonIntensity: hub.gridCarbonIntensity, renewableShare: null, renewableMW: null } }));
      const solution = solveStep(highs, { hours: context.stepMs / 3_600_000, hubs, workloads }, integral);
      return solution.allocation.length > 0 ? solution.allocation : emptyAllocation(scenario);
    },
  };
}

// Plays policies side by side over the same steps and accounts each against the actual signal.
import type { HubSlot } from '../placement/types.ts';
import { fits, scaleResources, addResources, noResources } from '../model/resources.ts';
import { eligibleIndices, primaryHub, type Allocation } from './allocation.ts';
import { stepEnergy, signalRenewableShare } from './energy.ts';
import { forecastErrors, perturbSignal, type ForecastErrorOptions } from './forecast-error.ts';
import type { Scenario } from './scenario.ts';
import type { SignalStep } from './trace.ts';
import type { Policy, PolicyName, StepContext } from './policies/policy.ts';

export interface SimulationOptions {
  fromMs: number;
  stepMs: number;
  /** steps to simulate */
  steps: number;
  /** forecast horizon the planner sees, in steps */
  horizonSteps: number;
  forecastError: ForecastErrorOptions;
}

export interface PolicyMetrics {
  emissionsKg: number;
  /** renewable share of the energy the placed replicas used, 0..1 */
  renewableShare: number;
  moves: number;
  movesPerWorkloadPerDay: number;
  /** workload-steps with replicas on a hub outside the latency budget or hubSelector */
  latencyViolations: number;
  /** hub-steps where placed requests exceed the hub's free capacity */
  capacityViolations: number;
  pendingReplicaHours: number;
}

export interface PolicyRun {
  metrics: PolicyMetrics;
  /** cumulative kg CO2 at the end of each step */
  cumulativeKg: number[];
  /** primary hub index of each workload at each step (-1 where none): [step][workload] */
  primary: number[][];
}

export interface SimulationResult {
  policies: Partial<Record<PolicyName, PolicyRun>>;
  /** (nearest − westward) / (nearest − oracle) on emissions, null when a term is missing or nearest = oracle */
  gapClosed: number | null;
}

/**
 * @param signals per hub (scenario order), one entry per step from `fromMs`, covering at least
 *   `steps` steps; steps past that feed the forecast horizon where they exist.
 */
export function simulate(scenario: Scenario, signals: readonly (readonly SignalStep[])[], policies: readonly Policy[], options: SimulationOptions): SimulationResult {
  const { stepMs, steps } = options;
  const hours = stepMs / 3_600_000;
  const eligible = eligibleIndices(scenario);
  const eligibleSets = eligible.map((e) => new Set(e));
  const runs = policies.map(() => ({
    grams: 0,
    energyMWh: 0,
    greenMWh: 0,
    moves: 0,
    latencyViolations: 0,
    capacityViolations: 0,
    pendingReplicaHours: 0,
    cumulativeKg: [] as number[],
    primary: [] as number[][],
    previous: scenario.workloads.map(() => null as number | null),
  }));

  for (let step = 0; step < steps; step++) {
    const startMs = options.fromMs + step * stepMs;
    const actual = signals.map((s, h) => {
      const signal = s[step];
      if (signal === undefined) throw new Error(`no signal for hub ${scenario.hubs[h]?.name ?? String(h)} at step ${step}`);
      return signal;
    });
    const forecastCache = new Map<number, HubSlot[]>();
    const context: StepContext = {
      step,
      startMs,
      stepMs,
      actual,
      forecast: (h) => {
        let slots = forecastCache.get(h);
        if (slots === undefined) {
          slots = forecastSlots(scenario, signals, options, h, step);
          forecastCache.set(h, slots);
        }
        return slots;
      },
    };
    policies.forEach((policy, p) => {
      const run = runs[p];
      if (run === undefined) return;
      const allocation = policy.decide(context);
      account(allocation);
      function account(a: Allocation): void {
        if (run === undefined) return;
        const loadMW = scenario.hubs.map(() => 0);
        const used = scenario.hubs.map(() => noResources);
        const primaries: number[] = [];
        scenario.workloads.forEach((workload, w) => {
          const row = a[w] ?? [];
          let placed = 0;
          let violates = false;
          for (let h = 0; h < row.length; h++) {
            const replicas = row[h] ?? 0;
            if (replicas <= 1e-9) continue;
            placed += replicas;
            if (!(eligibleSets[w]?.has(h) ?? false)) violates = true;
            loadMW[h] = (loadMW[h] ?? 0) + (replicas * workload.planner.powerPerReplicaW) / 1e6;
            used[h] = addResources(used[h] ?? noResources, scaleResources(workload.planner.perReplica, replicas));
          }
          if (violates) run.latencyViolations++;
          run.pendingReplicaHours += Math.max(0, workload.planner.replicas - placed) * hours;
          const primary = primaryHub(row, eligible[w] ?? []);
          const before = run.previous[w] ?? null;
          if (primary !== null && before !== null && primary !== before) run.moves++;
          if (primary !== null) run.previous[w] = primary;
          primaries.push(primary ?? -1);
        });
        scenario.hubs.forEach((hub, h) => {
          if (!fits(used[h] ?? noResources, hub.free, 1e-6)) run.capacityViolations++;
          const energy = stepEnergy(actual[h] ?? { carbonIntensity: 0, renewableShare: null, renewableMW: null }, hub, loadMW[h] ?? 0, hours);
          run.grams += energy.grams;
          run.energyMWh += energy.energyMWh;
          run.greenMWh += energy.greenMWh;
        });
        run.cumulativeKg.push(run.grams / 1000);
        run.primary.push(primaries);
      }
    });
  }

  const days = (steps * stepMs) / 86_400_000;
  const result: SimulationResult = { policies: {}, gapClosed: null };
  policies.forEach((policy, p) => {
    const run = runs[p];
    if (run === undefined) return;
    result.policies[policy.name] = {
      metrics: {
        emissionsKg: run.grams / 1000,
        renewableShare: run.energyMWh > 0 ? run.greenMWh / run.energyMWh : 0,
        moves: run.moves,
        movesPerWorkloadPerDay: scenario.workloads.length > 0 && days > 0 ? run.moves / scenario.workloads.length / days : 0,
        latencyViolations: run.latencyViolations,
        capacityViolations: run.capacityViolations,
        pendingReplicaHours: run.pendingReplicaHours,
      },
      cumulativeKg: run.cumulativeKg,
      primary: run.primary,
    };
  });
  result.gapClosed = gapClosed(result);
  return result;
}

export function gapClosed(result: Pick<SimulationResult, 'policies'>): number | null {
  const nearest = result.policies.nearest?.metrics.emissionsKg;
  const westward = result.policies.westward?.metrics.emissionsKg;
  const oracle = result.policies.oracle?.metrics.emissionsKg;
  if (nearest === undefined || westward === undefined || oracle === undefined) return null;
  const reachable = nearest - oracle;
  return Math.abs(reachable) < 1e-9 ? null : (nearest - westward) / reachable;
}

/** The planner's view of hub `h` at `step`: the horizon's actual values with forecast error. */
export function forecastSlots(scenario: Scenario, signals: readonly (readonly SignalStep[])[], options: SimulationOptions, h: number, step: number): HubSlot[] {
  const hub = scenario.hubs[h];
  const series = signals[h] ?? [];
  const available = Math.max(0, Math.min(options.horizonSteps, series.length - step));
  if (hub === undefined || available === 0) return [];
  const errors = forecastErrors(options.forecastError, h, step, available);
  const slots: HubSlot[] = [];
  for (let k = 0; k < available; k++) {
    const actual = series[step + k];
    if (actual === undefined) break;
    const seen = perturbSignal(actual, errors[k] ?? 0);
    const startMs = options.fromMs + (step + k) * options.stepMs;
    slots.push({
      startMs,
      endMs: startMs + options.stepMs,
      carbonIntensity: seen.carbonIntensity,
      renewableShare: signalRenewableShare(seen, hub),
      renewableMW: seen.renewableMW,
    });
  }
  return slots;
}

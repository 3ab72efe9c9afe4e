// The simulate command's IO shell: reads manifests and traces, runs the policies, writes the
// table, the JSON and the HTML report. Everything it decides is in the pure modules it calls.
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { loadHighs } from './highs.ts';
import { plan } from '../placement/plan.ts';
import type { PlannerLimits } from '../placement/types.ts';
import { htmlReport } from './html.ts';
import { readManifests } from './manifests.ts';
import { nearestPolicy, roundRobinPolicy } from './policies/static.ts';
import { greedyCurrentPolicy } from './policies/greedy-current.ts';
import { oraclePolicy } from './policies/oracle.ts';
import type { Policy } from './policies/policy.ts';
import { westwardPolicy, defaultLimits } from './policies/westward.ts';
import { resultDocument, resultTable } from './report.ts';
import { simulate } from './run.ts';
import { buildScenario } from './scenario.ts';
import { parseTraceCsv, resampleTrace, traceEndMs, TraceError, type SignalStep, type Trace } from './trace.ts';

export interface SimulateRequest {
  manifests: string[];
  /** hub -> csv path; hubs without one are looked up by file name next to the manifests */
  traces: Map<string, string>;
  fromMs: number | null;
  toMs: number | null;
  stepMs: number;
  horizonMs: number;
  forecastError: number;
  seed: number;
  limits: PlannerLimits;
  oracleIntegral: boolean;
  jsonPath: string | null;
  htmlPath: string | null;
}

export const defaultRequest: Omit<SimulateRequest, 'manifests' | 'traces'> = {
  fromMs: null,
  toMs: null,
  stepMs: 3_600_000,
  horizonMs: 24 * 3_600_000,
  forecastError: 0,
  seed: 1,
  limits: defaultLimits,
  oracleIntegral: false,
  jsonPath: null,
  htmlPath: null,
};

/** CSVs in the manifest directories named after a hub: `<hub>.csv` or `<hub>.<anything>.csv`. */
async function discoverTraces(paths: readonly string[], hubs: readonly string[]): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  for (const path of paths) {
    if (!(await stat(path)).isDirectory()) continue;
    const entries = (await readdir(path, { recursive: true })).filter((e) => e.endsWith('.csv')).sort();
    for (const hub of hubs) {
      const match = entries.find((e) => {
        const name = basename(e);
        return name === `${hub}.csv` || name.startsWith(`${hub}.`);
      });
      if (match !== undefined && !found.has(hub)) found.set(hub, join(path, match));
    }
  }
  return found;
}

export async function runSimulate(request: SimulateRequest, out: (line: string) => void): Promise<number> {
  const scenario = buildScenario(await readManifests(request.manifests));
  const hubNames = scenario.hubs.map((h) => h.name);
  const unknown = [...request.traces.keys()].filter((hub) => !hubNames.includes(hub));
  if (unknown.length > 0) throw new TraceError(`--trace names hubs that are not in the manifests: ${unknown.join(', ')} (hubs: ${hubNames.join(', ')})`);
  const discovered = await discoverTraces(request.manifests, hubNames);
  const notes: string[] = [];
  const traces = new Map<string, Trace>();
  for (const hub of hubNames) {
    const path = request.traces.get(hub) ?? discovered.get(hub);
    if (path === undefined) {
      notes.push(`${hub}: no trace; runs on its declared grid intensity all the time`);
      continue;
    }
    const trace = parseTraceCsv(await readFile(path, 'utf8'), path);
    traces.set(hub, trace);
    if (!trace.hasRenewableShare && !trace.hasRenewableMW) {
      notes.push(`${hub}: ${path} has no renewable share; the share is derived as 1 − intensity / declared grid intensity`);
    }
  }
  const covered = [...traces.values()];
  if (covered.length === 0 && (request.fromMs === null || request.toMs === null)) {
    throw new TraceError('no trace for any hub: give --trace <hub>=<csv>, or --from and --to to run on declared grid intensities');
  }
  const fromMs = request.fromMs ?? ceilTo(Math.max(...covered.map((t) => t.points[0]?.startMs ?? 0)), request.stepMs);
  const toMs = request.toMs ?? Math.min(...covered.map(traceEndMs));
  const steps = Math.floor((toMs - fromMs) / request.stepMs);
  if (steps <= 0) throw new TraceError(`nothing to simulate between ${new Date(fromMs).toISOString()} and ${new Date(toMs).toISOString()}`);
  const horizonSteps = Math.max(1, Math.round(request.horizonMs / request.stepMs));
  const signals: SignalStep[][] = scenario.hubs.map((hub) => {
    const trace = traces.get(hub.name);
    if (trace === undefined) {
      return new Array<SignalStep>(steps + horizonSteps).fill({ carbonIntensity: hub.gridCarbonIntensity, renewableShare: 0, renewableMW: null });
    }
    return resampleTrace(trace, fromMs, fromMs + (steps + horizonSteps) * request.stepMs, request.stepMs, steps);
  });

  const highs = await loadHighs();
  const policies: Policy[] = [
    westwardPolicy(scenario, plan, request.limits),
    nearestPolicy(scenario),
    roundRobinPolicy(scenario),
    greedyCurrentPolicy(scenario),
    oraclePolicy(scenario, highs, request.oracleIntegral),
  ];
  const result = simulate(scenario, signals, policies, {
    fromMs,
    stepMs: request.stepMs,
    steps,
    horizonSteps,
    forecastError: { mape: request.forecastError, seed: request.seed },
  });
  notes.push(
    request.oracleIntegral
      ? 'oracle: exact MIP per step with whole replicas, moves free'
      : 'oracle: exact LP per step with fractional replicas allowed, moves free: a lower bound',
  );
  out(`${scenario.hubs.length} hubs, ${scenario.workloads.length} workloads, ${steps} steps of ${request.stepMs / 60_000} min from ${new Date(fromMs).toISOString()}, forecast error ${(request.forecastError * 100).toFixed(1)} % (seed ${request.seed})`);
  out('');
  out(resultTable(result));
  for (const note of notes) out(`note: ${note}`);
  if (request.jsonPath !== null) await writeFile(request.jsonPath, `${JSON.stringify(resultDocument(result), null, 2)}\n`);
  if (request.htmlPath !== null) {
    await writeFile(
      request.htmlPath,
      htmlReport({
        title: 'Westward simulation',
        fromMs,
        stepMs: request.stepMs,
        steps,
        hubs: hubNames,
        workloads: scenario.workloads.map((w) => w.planner.key),
        signals,
        result,
        notes,
      }),
    );
  }
  return 0;
}

function ceilTo(ms: number, stepMs: number): number {
  // Steps start on whole multiples of the step from the epoch (whole hours for 1h).
  return Math.ceil(ms / stepMs) * stepMs;
}

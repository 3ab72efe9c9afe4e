// The simulation's results as a plain-text table and as the JSON document of `--json`.
import { policyNames, type PolicyName } from './policies/policy.ts';
import type { PolicyMetrics, SimulationResult } from './run.ts';

export interface ResultDocument {
  policies: Record<PolicyName, PolicyMetrics>;
  gapClosed: number;
}

/** `{"policies": {...all five...}, "gapClosed": n}`; throws where gapClosed is undefined rather than invent a number. */
export function resultDocument(result: SimulationResult): ResultDocument {
  const policies = {} as Record<PolicyName, PolicyMetrics>;
  for (const name of policyNames) {
    const run = result.policies[name];
    if (run === undefined) throw new Error(`policy ${name} was not simulated`);
    policies[name] = run.metrics;
  }
  if (result.gapClosed === null) {
    throw new Error('gapClosed is undefined: the nearest placement already matches the oracle, so there is no gap to close');
  }
  return { policies, gapClosed: result.gapClosed };
}

const columns: [keyof PolicyMetrics, string, (v: number) => string][] = [
  ['emissionsKg', 'emissions kg', (v) => v.toFixed(1)],
  ['renewableShare', 'renewable', (v) => `${(v * 100).toFixed(1)} %`],
  ['moves', 'moves', (v) => String(v)],
  ['movesPerWorkloadPerDay', 'moves/wl/day', (v) => v.toFixed(3)],
  ['latencyViolations', 'latency viol.', (v) => String(v)],
  ['capacityViolations', 'capacity viol.', (v) => String(v)],
  ['pendingReplicaHours', 'pending rep·h', (v) => v.toFixed(1)],
];

export function resultTable(result: SimulationResult): string {
  const header = ['policy', ...columns.map(([, title]) => title)];
  const rows = policyNames
    .filter((name) => result.policies[name] !== undefined)
    .map((name) => {
      const metrics = result.policies[name]?.metrics;
      return [name, ...columns.map(([key, , format]) => (metrics === undefined ? '' : format(metrics[key])))];
    });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  const gap = result.gapClosed === null ? 'n/a (nearest already matches the oracle)' : result.gapClosed.toFixed(3);
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line), '', `gapClosed (nearest − westward) / (nearest − oracle): ${gap}`].join('\n');
}

// A FactoryWorkload's status from the plan and what was written. Pure; the reconciler writes it
// only when it differs from the live status.
import type { FactoryWorkloadStatus } from '../../api/index.ts';
import type { WorkloadPlan } from '../../placement/types.ts';
import { setConditions, type ConditionInput } from '../conditions.ts';
import { canonical } from '../hub/status.ts';
import type { AvoidedEmissions } from './avoided-emissions.ts';

export interface FreshnessOfHubs {
  /** eligible hubs not on a live forecast, with the source they fall back to */
  stale: { hub: string; source: string }[];
  total: number;
}

export interface WorkloadStatusInput {
  generation: number | undefined;
  previous: FactoryWorkloadStatus | undefined;
  now: Date;
  entry: WorkloadPlan;
  eligibleHubs: string[];
  /** the planned hub as written on the target (Enforce) or as planned (Shadow) */
  hub: string | null;
  lastMove: FactoryWorkloadStatus['lastMove'];
  /** the Placed condition, as decided */
  placed: ConditionInput;
  reason: string;
  /** Ready pods per hub, as observed */
  observed: Record<string, number>;
  avoided: AvoidedEmissions | undefined;
  freshness: FreshnessOfHubs;
}

/** Sentences that differ only in their figures ("moved 12 min ago") are not news on their own. */
export function sameShape(a: string | undefined, b: string | undefined): boolean {
  const shape = (s: string | undefined): string | undefined => s?.replace(/[0-9]+(\.[0-9]+)?/g, '#');
  return shape(a) === shape(b);
}

export function freshnessCondition(f: FreshnessOfHubs): ConditionInput {
  if (f.stale.length === 0) {
    return { type: 'ForecastFresh', status: 'True', reason: 'ForecastsLive', message: `forecasts of all ${f.total} eligible hubs are live` };
  }
  const list = f.stale.map((s) => `${s.hub} (${s.source})`).join(', ');
  return { type: 'ForecastFresh', status: 'False', reason: 'ForecastStale', message: `not live: ${list}` };
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

export function desiredWorkloadStatus(input: WorkloadStatusInput): { status: FactoryWorkloadStatus; changed: boolean } {
  const { previous, entry } = input;
  const wanted: ConditionInput[] = [
    { type: 'TargetFound', status: 'True', reason: 'TargetFound', message: 'the target exists' },
    input.placed,
    freshnessCondition(input.freshness),
  ];
  const { conditions, changed: conditionsChanged } = setConditions(
    previous?.conditions,
    wanted,
    input.generation,
    input.now,
  );
  const reason = previous?.reason !== undefined && sameShape(previous.reason, input.reason) ? previous.reason : input.reason;
  const status: FactoryWorkloadStatus = {
    observedGeneration: input.generation ?? 0,
    conditions,
    eligibleHubs: input.eligibleHubs,
    expected: {
      renewableShare: round(entry.expected.renewableShare, 2),
      carbonIntensity: Math.round(entry.expected.carbonIntensity),
    },
    reason,
  };
  // An empty map is left out: the API server's apply takes {} for null and refuses it.
  if (Object.keys(input.observed).length > 0) status.replicasByHub = input.observed;
  if (Object.keys(entry.replicasByHub).length > 0) status.plannedReplicasByHub = entry.replicasByHub;
  if (input.hub !== null) status.hub = input.hub;
  if (input.lastMove) status.lastMove = input.lastMove;
  if (input.avoided) status.avoidedEmissions = input.avoided;
  const strip = (s: FactoryWorkloadStatus | undefined): unknown => {
    const { conditions: _c, ...rest } = s ?? {};
    return JSON.stringify(canonical(rest));
  };
  return { status, changed: conditionsChanged || strip(previous) !== strip(status) };
}

/** Status when the target does not exist: nothing is placed. */
export function targetMissingStatus(
  previous: FactoryWorkloadStatus | undefined,
  generation: number | undefined,
  now: Date,
  targetName: string,
): { status: FactoryWorkloadStatus; changed: boolean } {
  const message = `target ${targetName} not found`;
  const { conditions, changed } = setConditions(
    previous?.conditions,
    [
      { type: 'TargetFound', status: 'False', reason: 'TargetNotFound', message },
      { type: 'Placed', status: 'False', reason: 'TargetNotFound', message },
      conditionOfOr(previous, 'ForecastFresh'),
    ],
    generation,
    now,
  );
  const { hub: _hub, replicasByHub: _r, plannedReplicasByHub: _p, expected: _e, reason: _reason, conditions: _c, ...kept } = previous ?? {};
  const status: FactoryWorkloadStatus = { ...kept, observedGeneration: generation ?? 0, conditions };
  const before = JSON.stringify(canonical({ ...(previous ?? {}), conditions: undefined }));
  const after = JSON.stringify(canonical({ ...status, conditions: undefined }));
  return { status, changed: changed || before !== after };
}

function conditionOfOr(previous: FactoryWorkloadStatus | undefined, type: string): ConditionInput {
  const c = (previous?.conditions)?.find((x) => x.type === type);
  return c
    ? { type, status: c.status, reason: c.reason, message: c.message }
    : { type, status: 'Unknown', reason: 'NotPlanned', message: 'no target to plan for' };
}

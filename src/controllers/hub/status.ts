// A Hub's status from what the operator knows: its usable nodes, the forecast in use and how
// fresh it is. Pure: the reconciler compares the result with the live status and writes only a
// difference.
import type { HubStatus } from '../../api/index.ts';
import type { EffectiveForecast } from '../../forecast/poller.ts';
import type { HubCapacity } from '../../model/capacity.ts';
import type { LabelSelector } from '../../model/kube.ts';
import { nodeSelectorProblem } from '../../model/label-selector.ts';
import type { HubSlot } from '../../placement/types.ts';
import { setConditions, type ConditionInput } from '../conditions.ts';
import { credentialsNotAllowedReason } from './credentials.ts';

/** Points of the forecast shown in status: the next 24 hours. */
export const statusHorizonMs = 24 * 3_600_000;

export interface HubStatusInput {
  generation: number | undefined;
  previous: HubStatus | undefined;
  capacity: HubCapacity;
  /** spec.nodeSelector: one that cannot be written as node affinity keeps the hub out of use */
  nodeSelector: LabelSelector;
  effective: EffectiveForecast;
  lastError: { kind: string; message: string } | null;
  /** why the hub's credentials Secret may not be read, when the installer's rule forbids it */
  credentialsRefusal?: string | undefined;
  /** the slot covering now, resolved with the hub's fallbacks */
  current: HubSlot | undefined;
  now: Date;
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

function cpuQuantity(milli: number): string {
  return milli % 1000 === 0 ? String(milli / 1000) : `${Math.round(milli)}m`;
}

function memoryQuantity(bytes: number): string {
  const gi = bytes / 2 ** 30;
  return Number.isInteger(gi) ? `${gi}Gi` : `${Math.round(bytes / 2 ** 20)}Mi`;
}

export interface ForecastHealth {
  effective: EffectiveForecast;
  /** the last fetch error, if the last attempt failed */
  lastError: { kind: string; message: string } | null;
  credentialsRefusal?: string | undefined;
}

/**
 * Condition messages carry fixed facts (the fetch time, the error), never a relative age, so a
 * condition does not change, and status is not written, merely because time passes.
 */
export function hubConditionInputs(capacity: HubCapacity, health: ForecastHealth, nodeSelector: LabelSelector): ConditionInput[] {
  const { effective, lastError, credentialsRefusal } = health;
  const error = lastError === null ? '' : `${lastError.kind}: ${lastError.message}; `;
  const fetched = effective.forecast ? ` fetched at ${effective.forecast.fetchedAt}` : '';
  const fresh: ConditionInput =
    credentialsRefusal !== undefined
      ? { type: 'ForecastFresh', status: 'False', reason: credentialsNotAllowedReason, message: credentialsRefusal }
      : effective.source === 'Live'
      ? { type: 'ForecastFresh', status: 'True', reason: 'ForecastLive', message: `live forecast from ${effective.forecast?.provider ?? 'provider'}${fetched}` }
      : effective.source === 'LastGood'
        ? { type: 'ForecastFresh', status: 'False', reason: 'UsingLastGoodForecast', message: `${error}keeping the last good forecast${fetched}` }
        : {
            type: 'ForecastFresh',
            status: 'False',
            reason: 'UsingDeclaredGridIntensity',
            message: `${error}no forecast within maxStaleness; using the declared grid carbon intensity`,
          };
  const selectorProblem = nodeSelectorProblem(nodeSelector);
  const ready: ConditionInput =
    selectorProblem !== undefined
      ? { type: 'Ready', status: 'False', reason: 'InvalidNodeSelector', message: `spec.nodeSelector: ${selectorProblem}; no workload is placed here` }
      : capacity.nodes.length === 0
        ? { type: 'Ready', status: 'False', reason: 'NoReadyNodes', message: 'no Ready, schedulable node matches spec.nodeSelector' }
        : { type: 'Ready', status: 'True', reason: 'HubReady', message: `${capacity.nodes.length} Ready node(s)` };
  return [ready, fresh];
}

export function desiredHubStatus(input: HubStatusInput): { status: HubStatus; changed: boolean } {
  const { capacity, effective, current, now } = input;
  const { conditions, changed: conditionsChanged } = setConditions(
    input.previous?.conditions,
    hubConditionInputs(capacity, { effective, lastError: input.lastError, credentialsRefusal: input.credentialsRefusal }, input.nodeSelector),
    input.generation,
    now,
  );
  const status: HubStatus = {
    observedGeneration: input.generation ?? 0,
    conditions,
    capacity: {
      nodes: capacity.nodes.length,
      gpu: capacity.allocatable.gpu,
      gpuFree: capacity.free.gpu,
      cpu: cpuQuantity(capacity.allocatable.cpuMilli),
      cpuFree: cpuQuantity(capacity.free.cpuMilli),
      memory: memoryQuantity(capacity.allocatable.memoryBytes),
      memoryFree: memoryQuantity(capacity.free.memoryBytes),
    },
  };
  if (current) {
    status.now = {
      renewableShare: round(current.renewableShare, 3),
      carbonIntensity: round(current.carbonIntensity, 1),
    };
    if (current.renewableMW !== null) status.now.renewableMW = round(current.renewableMW, 1);
  }
  if (effective.forecast) {
    const f = effective.forecast;
    const until = now.getTime() + statusHorizonMs;
    status.forecast = {
      provider: f.provider,
      source: effective.source,
      fetchedAt: f.fetchedAt,
      validUntil: f.validUntil,
      points: f.points
        .filter((p) => Date.parse(p.end) > now.getTime() && Date.parse(p.start) < until)
        .map((p) => ({
          start: p.start,
          end: p.end,
          ...(p.carbonIntensity === null ? {} : { carbonIntensity: round(p.carbonIntensity, 1) }),
          ...(p.renewableShare === null ? {} : { renewableShare: round(p.renewableShare, 3) }),
          ...(p.renewableMW === null ? {} : { renewableMW: round(p.renewableMW, 1) }),
          estimated: p.estimated,
        })),
    };
  } else {
    status.forecast = { source: effective.source };
  }
  const { conditions: _old, ...previousRest } = input.previous ?? {};
  const { conditions: _new, ...nextRest } = status;
  const changed = conditionsChanged || JSON.stringify(canonical(previousRest)) !== JSON.stringify(canonical(nextRest));
  return { status, changed };
}

/** Key order does not matter to the API server; it must not matter to the comparison either. */
export function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => [k, canonical(v)]),
    );
  }
  return value;
}

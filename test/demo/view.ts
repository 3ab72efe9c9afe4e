// What the demo screen shows, reduced from the API objects. Pure over plain objects.
import { labels, type FactoryWorkload, type Hub } from '../../src/api/index.ts';

export interface HubView {
  name: string;
  provider: string;
  /** 0..1, null before the operator wrote a status */
  share: number | null;
  carbon: number | null;
  renewableMW: number | null;
  /** ForecastFresh status and reason */
  fresh: string;
  freshReason: string;
  ready: boolean;
}

export interface WorkloadView {
  key: string;
  target: string;
  mode: string;
  /** the hub the operator placed it in (its node affinity points there) */
  hub: string | null;
  expectedShare: number | null;
  placed: string;
  placedReason: string;
  /** the planner's sentence: why it moved or stays */
  reason: string;
  eligible: string[];
  /** Ready pods per hub, by the hub label of their node */
  readyByHub: Record<string, number>;
  /** pods not Ready (pending, starting) */
  notReady: number;
  /** Ready pods on nodes of no hub (a shared cluster's other nodes) */
  elsewhere: number;
  lastMove: { time: string; from: string; to: string; reason: string } | null;
}

export interface PodLike {
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string>; deletionTimestamp?: unknown };
  spec?: { nodeName?: string };
  status?: { conditions?: { type: string; status: string }[] };
}

export interface NodeLike {
  metadata?: { name?: string; labels?: Record<string, string> };
}

function condition(conditions: { type: string; status: string; reason?: string }[] | undefined, type: string): { status: string; reason: string } {
  const c = conditions?.find((x) => x.type === type);
  return { status: c?.status ?? 'Unknown', reason: c?.reason ?? '' };
}

export function hubView(hub: Hub): HubView {
  const fresh = condition(hub.status?.conditions, 'ForecastFresh');
  return {
    name: hub.metadata?.name ?? '',
    provider: hub.spec.forecast.provider,
    share: hub.status?.now?.renewableShare ?? null,
    carbon: hub.status?.now?.carbonIntensity ?? null,
    renewableMW: hub.status?.now?.renewableMW ?? null,
    fresh: fresh.status,
    freshReason: fresh.reason,
    ready: condition(hub.status?.conditions, 'Ready').status === 'True',
  };
}

function isReady(pod: PodLike): boolean {
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/** True when every label of the selector is on the pod. */
function selects(selector: Record<string, string>, podLabels: Record<string, string> | undefined): boolean {
  return Object.entries(selector).every(([k, v]) => podLabels?.[k] === v);
}

export function workloadView(
  fw: FactoryWorkload,
  targetSelector: Record<string, string> | undefined,
  pods: readonly PodLike[],
  nodes: ReadonlyMap<string, NodeLike>,
): WorkloadView {
  const namespace = fw.metadata?.namespace ?? '';
  const readyByHub: Record<string, number> = {};
  let notReady = 0;
  let elsewhere = 0;
  if (targetSelector !== undefined && Object.keys(targetSelector).length > 0) {
    for (const pod of pods) {
      if (pod.metadata?.namespace !== namespace || pod.metadata.deletionTimestamp || !selects(targetSelector, pod.metadata.labels)) continue;
      const node = pod.spec?.nodeName === undefined ? undefined : nodes.get(pod.spec.nodeName);
      const hub = node?.metadata?.labels?.[labels.hub];
      if (!isReady(pod)) notReady++;
      else if (hub === undefined) elsewhere++;
      else readyByHub[hub] = (readyByHub[hub] ?? 0) + 1;
    }
  }
  const placed = condition(fw.status?.conditions, 'Placed');
  const move = fw.status?.lastMove;
  return {
    key: `${namespace}/${fw.metadata?.name ?? ''}`,
    target: `${fw.spec.targetRef.kind}/${fw.spec.targetRef.name}`,
    mode: fw.spec.placement?.mode ?? 'Enforce',
    hub: fw.status?.hub ?? null,
    expectedShare: fw.status?.expected?.renewableShare ?? null,
    placed: placed.status,
    placedReason: placed.reason,
    reason: fw.status?.reason ?? '',
    eligible: fw.status?.eligibleHubs ?? [],
    readyByHub,
    notReady,
    elsewhere,
    lastMove: move?.time && move.to ? { time: move.time, from: move.from ?? '', to: move.to, reason: move.reason ?? '' } : null,
  };
}

/** Per hub, how many Ready pods of the workload arrived (+) or left (−) since the last screen. */
export function podChanges(before: Record<string, number> | undefined, now: Record<string, number>): Record<string, number> {
  if (before === undefined) return {};
  const changes: Record<string, number> = {};
  for (const hub of new Set([...Object.keys(before), ...Object.keys(now)])) {
    const d = (now[hub] ?? 0) - (before[hub] ?? 0);
    if (d !== 0) changes[hub] = d;
  }
  return changes;
}

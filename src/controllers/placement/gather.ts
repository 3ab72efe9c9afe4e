// Gather: the planner's input from the informer caches and the forecasts in use. Pure over the
// objects it is given; the planning controller passes it what the caches hold. Where a workload
// runs now and when it last moved come from its target (the record Westward writes with the
// affinity), not from a status field written later.
import type { FactoryWorkload, Hub } from '../../api/index.ts';
import type { EffectiveForecast } from '../../forecast/poller.ts';
import { resolveHubSlots } from '../../forecast/slots.ts';
import { hubCapacity } from '../../model/capacity.ts';
import type { Node, Pod, WorkloadTarget } from '../../model/kube.ts';
import { selectorMatches } from '../../model/label-selector.ts';
import { toPlannerHub, toPlannerWorkload, workloadKey } from '../../model/planner-input.ts';
import type { HubSlot, PlanInput, PlannerLimits, PlannerWorkload } from '../../placement/types.ts';
import type { NodeAffinity } from '../factoryworkload/affinity.ts';
import { hubsAllowedByOwnRules, type OwnConstraints } from '../factoryworkload/own-constraints.ts';
import { westwardOwnsAffinity, type ManagedFieldsEntry } from '../factoryworkload/ownership.ts';
import { rolloutComplete, type RolloutView } from '../factoryworkload/rollout.ts';
import { readTargetRecord, type TargetRecord } from '../factoryworkload/target-record.ts';
import { claimants, targetKeyOf } from './claims.ts';

export const hourMs = 3_600_000;
/** How far ahead the planner looks. */
export const planningHorizonMs = 24 * hourMs;

export type Target = WorkloadTarget &
  RolloutView & {
    metadata?: { annotations?: Record<string, string>; managedFields?: ManagedFieldsEntry[]; generation?: number };
    spec?: {
      selector?: { matchLabels?: Record<string, string> };
      template?: { spec?: { nodeSelector?: Record<string, string>; affinity?: { nodeAffinity?: NodeAffinity } } };
    };
  };

export interface GatherInput {
  nowMs: number;
  hubs: readonly Hub[];
  nodes: readonly Node[];
  pods: readonly Pod[];
  workloads: readonly FactoryWorkload[];
  targetOf: (fw: FactoryWorkload) => Target | undefined;
  forecastOf: (hub: string) => EffectiveForecast | undefined;
  limits: PlannerLimits;
  /** workloads whose last write the target's status has not caught up with yet */
  pendingRollouts: ReadonlySet<string>;
}

export interface HubNow {
  carbonIntensity: number;
  renewableShare: number;
  pue: number;
}

/** What the FactoryWorkload reconciler needs to know of a planned workload besides its plan. */
export interface WorkloadFacts {
  /** eligible hubs the target's own rules allow, nearest first */
  eligible: string[];
  /** eligible hubs (latency, hubSelector) in which no node satisfies the target's own rules */
  excludedByOwnRules: string[];
  /** hubs without live data that hold this workload where it is */
  heldForData: string[];
}

export interface Gathered {
  input: PlanInput;
  /** the signal now at every hub, for accounting */
  hubNow: Map<string, HubNow>;
  facts: Map<string, WorkloadFacts>;
  /** hubs whose forecast has fallen back to the declared grid intensity */
  withoutData: Set<string>;
}

function podsOfTarget(pod: Pod, targets: readonly { namespace: string; selector: Record<string, string> }[]): boolean {
  const ns = pod.metadata?.namespace;
  return targets.some((t) => t.namespace === ns && selectorMatches({ matchLabels: t.selector }, pod.metadata?.labels));
}

/** The target's own node affinity: what it had before Westward, or what it has if Westward holds none. */
export function ownNodeAffinity(target: Target, record: TargetRecord, self: string): NodeAffinity | undefined {
  if (record.placedBy === self && record.own !== undefined) return record.own ?? undefined;
  if (westwardOwnsAffinity(target.metadata?.managedFields)) return undefined;
  return target.spec?.template?.spec?.affinity?.nodeAffinity;
}

export function ownConstraints(target: Target, record: TargetRecord, self: string): OwnConstraints {
  const own = ownNodeAffinity(target, record, self);
  const out: OwnConstraints = {};
  const selector = target.spec?.template?.spec?.nodeSelector;
  if (selector) out.nodeSelector = selector;
  const required = own?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  if (required && required.length > 0) out.required = required;
  return out;
}

export function gather(g: GatherInput): Gathered {
  const hourStart = Math.floor(g.nowMs / hourMs) * hourMs;
  const horizon = { startMs: hourStart, endMs: hourStart + planningHorizonMs, stepMs: hourMs };

  const claims = claimants(g.workloads, g.targetOf);
  const planned: { fw: FactoryWorkload; target: Target }[] = [];
  for (const fw of g.workloads) {
    if (fw.metadata?.deletionTimestamp) continue;
    if (claims.get(targetKeyOf(fw)) !== fw.metadata?.name) continue;
    const target = g.targetOf(fw);
    if (target) planned.push({ fw, target });
  }
  // Pods of the planned workloads are placed by the planner; they do not use up its capacity.
  const ownSelectors = planned
    .map(({ fw, target }) => ({ namespace: fw.metadata?.namespace ?? '', selector: target.spec?.selector?.matchLabels ?? {} }))
    .filter((t) => Object.keys(t.selector).length > 0);

  const hubNow = new Map<string, HubNow>();
  const withoutData = new Set<string>();
  const plannerHubs = [...g.hubs]
    .sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''))
    .map((hub) => {
      const name = hub.metadata?.name ?? '';
      const effective = g.forecastOf(name);
      if (effective === undefined || effective.source === 'DeclaredGrid') withoutData.add(name);
      const slots: HubSlot[] = resolveHubSlots(effective?.forecast ?? null, hub.spec.energy, horizon);
      const first = slots[0];
      hubNow.set(name, {
        carbonIntensity: first?.carbonIntensity ?? hub.spec.energy.gridCarbonIntensity,
        renewableShare: first?.renewableShare ?? 0,
        pue: hub.spec.energy.pue,
      });
      const capacity = hubCapacity(hub, g.nodes, g.pods, (pod) => podsOfTarget(pod, ownSelectors));
      return toPlannerHub(hub, capacity, slots);
    });

  const facts = new Map<string, WorkloadFacts>();
  const workloads: PlannerWorkload[] = [];
  const movesInProgress: string[] = [];
  for (const { fw, target } of planned) {
    const self = fw.metadata?.name ?? '';
    const enforce = fw.spec.placement?.mode !== 'Shadow';
    const record = readTargetRecord(target.metadata?.annotations);
    const placement = enforce && record.placedBy === self ? record.placement : undefined;
    // Shadow writes nothing on the target: its status is the only memory of the planned hub.
    const currentHub = enforce ? (placement?.hub ?? null) : (fw.status?.hub ?? null);
    const movedAtMs = placement?.from !== undefined ? Date.parse(placement.at) : NaN;
    const w = toPlannerWorkload(fw, target, g.hubs, { currentHub, lastMoveMs: Number.isFinite(movedAtMs) ? movedAtMs : null });
    if (placement?.from !== undefined) w.previousHub = placement.from;
    // The intent: the split last planned, which settling makes real.
    // Only when the status speaks of the placement the target holds: after a crash between the
    // patch and the status write it still holds the split of the hub before.
    const intent = fw.status?.plannedReplicasByHub ?? fw.status?.replicasByHub;
    if (currentHub !== null && fw.status?.hub === currentHub && intent && Object.keys(intent).length > 0) w.currentReplicasByHub = { ...intent };

    const allowed = hubsAllowedByOwnRules(g.hubs.filter((h) => w.eligibleHubs.includes(h.metadata?.name ?? '')), g.nodes, ownConstraints(target, record, self));
    const excludedByOwnRules = w.eligibleHubs.filter((h) => !allowed.has(h));
    w.eligibleHubs = w.eligibleHubs.filter((h) => allowed.has(h));
    // A hub that lost its data is no reason to move out of it.
    const heldForData = currentHub !== null && withoutData.has(currentHub) ? [currentHub] : [];
    workloads.push(w);
    facts.set(w.key, { eligible: w.eligibleHubs, excludedByOwnRules, heldForData });
    // A placed workload whose target is still rolling out does not move again until it is done.
    const placed = w.currentHub !== null;
    if (heldForData.length > 0 || g.pendingRollouts.has(w.key) || (placed && !rolloutComplete(target))) movesInProgress.push(workloadKey(fw));
  }
  return {
    input: { nowMs: g.nowMs, hubs: plannerHubs, workloads, limits: g.limits, movesInProgress: movesInProgress.sort() },
    hubNow,
    facts,
    withoutData,
  };
}

/**
 * Workloads the plan moves into a hub without live data: each is held where it is and the plan
 * made again, so a hub's fallback numbers never attract a move either.
 */
export function movesIntoMissingData(
  plan: { workloads: readonly { key: string; hub: string | null; moved: boolean }[] },
  gathered: Gathered,
): string[] {
  const held: string[] = [];
  for (const w of plan.workloads) {
    if (!w.moved || w.hub === null || !gathered.withoutData.has(w.hub)) continue;
    held.push(w.key);
    const f = gathered.facts.get(w.key);
    if (f) f.heldForData = [...new Set([...f.heldForData, w.hub])];
  }
  return held;
}

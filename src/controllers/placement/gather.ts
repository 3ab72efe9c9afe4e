// Gather: the planner's input from the informer caches and the forecasts in use. Pure over the
// objects it is given; the planning controller passes it what the caches hold.
import type { FactoryWorkload, Hub } from '../../api/index.ts';
import type { EffectiveForecast } from '../../forecast/poller.ts';
import { resolveHubSlots } from '../../forecast/slots.ts';
import { hubCapacity } from '../../model/capacity.ts';
import type { Node, Pod, WorkloadTarget } from '../../model/kube.ts';
import { selectorMatches } from '../../model/label-selector.ts';
import { toPlannerHub, toPlannerWorkload, workloadKey } from '../../model/planner-input.ts';
import type { HubSlot, PlanInput, PlannerLimits, PlannerWorkload } from '../../placement/types.ts';
import { rolloutComplete, type RolloutView } from '../factoryworkload/rollout.ts';

export const hourMs = 3_600_000;
/** How far ahead the planner looks. */
export const planningHorizonMs = 24 * hourMs;

export type Target = WorkloadTarget & RolloutView & { spec?: { selector?: { matchLabels?: Record<string, string> } } };

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

export interface Gathered {
  input: PlanInput;
  /** the signal now at every hub, for accounting */
  hubNow: Map<string, HubNow>;
  /** eligible hubs of every planned workload, nearest first */
  eligible: Map<string, string[]>;
}

function podsOfTarget(pod: Pod, targets: readonly { namespace: string; selector: Record<string, string> }[]): boolean {
  const ns = pod.metadata?.namespace;
  return targets.some((t) => t.namespace === ns && selectorMatches({ matchLabels: t.selector }, pod.metadata?.labels));
}

export function gather(g: GatherInput): Gathered {
  const hourStart = Math.floor(g.nowMs / hourMs) * hourMs;
  const horizon = { startMs: hourStart, endMs: hourStart + planningHorizonMs, stepMs: hourMs };

  const planned: { fw: FactoryWorkload; target: Target }[] = [];
  for (const fw of g.workloads) {
    if (fw.metadata?.deletionTimestamp) continue;
    const target = g.targetOf(fw);
    if (target) planned.push({ fw, target });
  }
  // Pods of the planned workloads are placed by the planner; they do not use up its capacity.
  const ownSelectors = planned
    .map(({ fw, target }) => ({ namespace: fw.metadata?.namespace ?? '', selector: target.spec?.selector?.matchLabels ?? {} }))
    .filter((t) => Object.keys(t.selector).length > 0);

  const hubNow = new Map<string, HubNow>();
  const plannerHubs = [...g.hubs]
    .sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''))
    .map((hub) => {
      const name = hub.metadata?.name ?? '';
      const slots: HubSlot[] = resolveHubSlots(g.forecastOf(name)?.forecast ?? null, hub.spec.energy, horizon);
      const first = slots[0];
      hubNow.set(name, {
        carbonIntensity: first?.carbonIntensity ?? hub.spec.energy.gridCarbonIntensity,
        renewableShare: first?.renewableShare ?? 0,
        pue: hub.spec.energy.pue,
      });
      const capacity = hubCapacity(hub, g.nodes, g.pods, (pod) => podsOfTarget(pod, ownSelectors));
      return toPlannerHub(hub, capacity, slots);
    });

  const eligible = new Map<string, string[]>();
  const workloads: PlannerWorkload[] = [];
  const movesInProgress: string[] = [];
  for (const { fw, target } of planned) {
    const lastMove = fw.status?.lastMove;
    const lastMoveMs = lastMove?.time ? Date.parse(lastMove.time) : NaN;
    const w = toPlannerWorkload(fw, target, g.hubs, {
      currentHub: fw.status?.hub ?? null,
      lastMoveMs: Number.isFinite(lastMoveMs) ? lastMoveMs : null,
    });
    if (lastMove?.from) w.previousHub = lastMove.from;
    const replicasByHub = fw.status?.replicasByHub;
    if (w.currentHub !== null && replicasByHub && Object.keys(replicasByHub).length > 0) w.currentReplicasByHub = { ...replicasByHub };
    workloads.push(w);
    eligible.set(w.key, w.eligibleHubs);
    // A placed workload whose target is still rolling out does not move again until it is done.
    const placed = w.currentHub !== null;
    if (g.pendingRollouts.has(w.key) || (placed && !rolloutComplete(target))) movesInProgress.push(workloadKey(fw));
  }
  return {
    input: { nowMs: g.nowMs, hubs: plannerHubs, workloads, limits: g.limits, movesInProgress: movesInProgress.sort() },
    hubNow,
    eligible,
  };
}

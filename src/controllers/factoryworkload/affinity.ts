// The only scheduling field Westward writes on a target: the node affinity of its pod template,
// combined with what the target declares itself.
// - Required: each of the target's own required terms AND each eligible hub's terms, so a pod
//   never lands outside the eligible hubs (latency budget, residency) nor outside its own rules.
// - Preferred: the target's own preferred terms first, untouched, then the hubs in fill order:
//   the hubs the plan puts replicas in, greenest first, with steeply falling weights, then the
//   other eligible hubs, so the scheduler fills the greenest planned hub before spilling over.
import type { LabelSelector } from '../../model/kube.ts';

// Plain shapes of the core/v1 types (the client's classes are only for its serializer).
export interface NodeSelectorRequirement {
  key: string;
  operator: string;
  values?: string[];
}
export interface NodeSelectorTerm {
  matchExpressions?: NodeSelectorRequirement[];
  matchFields?: NodeSelectorRequirement[];
}
export interface PreferredTerm {
  weight: number;
  preference: NodeSelectorTerm;
}
export interface NodeAffinity {
  requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms: NodeSelectorTerm[] };
  preferredDuringSchedulingIgnoredDuringExecution?: PreferredTerm[];
}

export interface HubSelectorTerm {
  hub: string;
  nodeSelector: LabelSelector;
}

/** A hub's node label selector as a node selector term (matchLabels become `In` requirements). */
export function nodeSelectorTerm(selector: LabelSelector): NodeSelectorTerm {
  const fromLabels: NodeSelectorRequirement[] = Object.entries(selector.matchLabels ?? {})
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, value]) => ({ key, operator: 'In', values: [value] }));
  const fromExpressions: NodeSelectorRequirement[] = (selector.matchExpressions ?? []).map((e) => {
    const requirement: NodeSelectorRequirement = { key: e.key, operator: e.operator };
    if (e.operator === 'In' || e.operator === 'NotIn') requirement.values = [...(e.values ?? [])];
    return requirement;
  });
  return { matchExpressions: [...fromLabels, ...fromExpressions] };
}

/**
 * Weights of the hubs in fill order. The scheduler sums the weights of the terms a node matches
 * and scales them to 0..100 before other scores are added, so the gaps between hubs that get
 * replicas are kept wide (a narrow gap loses against spreading and resource scores).
 */
export function fillWeights(planned: number, total: number): number[] {
  const weights: number[] = [];
  // Planned hubs spread evenly over 100..20 (strictly falling up to 81 of them), the rest 10..1.
  const step = planned > 1 ? 80 / (planned - 1) : 0;
  for (let i = 0; i < total; i++) {
    weights.push(i < planned ? Math.max(20, Math.round(100 - step * i)) : Math.max(1, 10 - (i - planned)));
  }
  return weights;
}

/** The weight of the first hub in fill order: the greenest hub the plan puts replicas in. */
export const plannedHubWeight = 100;

/**
 * Hubs in the order pods should fill them: those the plan gives replicas, in green order, then
 * the other hubs in green order. `greenOrder` ranks every eligible hub, greenest first.
 */
export function fillOrder(replicasByHub: Readonly<Record<string, number>>, greenOrder: readonly string[]): { order: string[]; planned: number } {
  const withReplicas = greenOrder.filter((h) => (replicasByHub[h] ?? 0) > 0);
  // A hub the plan uses but the ranking lacks still comes before the spill-only hubs.
  for (const h of Object.keys(replicasByHub).sort()) {
    if ((replicasByHub[h] ?? 0) > 0 && !withReplicas.includes(h)) withReplicas.push(h);
  }
  const rest = greenOrder.filter((h) => !withReplicas.includes(h));
  return { order: [...withReplicas, ...rest], planned: withReplicas.length };
}

/** Each own term AND each hub term; without own terms, just the hub terms. */
export function combineRequired(own: readonly NodeSelectorTerm[] | undefined, hubs: readonly NodeSelectorTerm[]): NodeSelectorTerm[] {
  if (own === undefined || own.length === 0) return hubs.map((h) => structuredClone(h));
  const out: NodeSelectorTerm[] = [];
  for (const o of own) {
    for (const h of hubs) {
      const term: NodeSelectorTerm = { matchExpressions: [...(o.matchExpressions ?? []), ...(h.matchExpressions ?? [])].map((r) => structuredClone(r)) };
      if (o.matchFields !== undefined && o.matchFields.length > 0) term.matchFields = o.matchFields.map((r) => structuredClone(r));
      out.push(term);
    }
  }
  return out;
}

/**
 * The node affinity to apply: the target's own affinity combined with the hubs.
 * @param own the target's node affinity before Westward, if any
 * @param eligible every hub the workload may run in, with its node selector
 * @param order hubs in fill order (see `fillOrder`), `planned` of them with replicas
 */
export function desiredNodeAffinity(
  own: NodeAffinity | undefined,
  eligible: readonly HubSelectorTerm[],
  order: readonly string[],
  planned: number,
): NodeAffinity | undefined {
  if (eligible.length === 0) return undefined;
  const byHub = new Map(eligible.map((e) => [e.hub, e.nodeSelector]));
  const hubTerms = [...eligible].sort((a, b) => a.hub.localeCompare(b.hub)).map((e) => nodeSelectorTerm(e.nodeSelector));
  const ranked = order.filter((hub) => byHub.has(hub));
  const plannedRanked = order.slice(0, planned).filter((hub) => byHub.has(hub)).length;
  const weights = fillWeights(plannedRanked, ranked.length);
  const preferred: PreferredTerm[] = [
    ...(own?.preferredDuringSchedulingIgnoredDuringExecution ?? []).map((p) => structuredClone(p)),
    ...ranked.map((hub, rank) => ({ weight: weights[rank] ?? 1, preference: nodeSelectorTerm(byHub.get(hub) ?? {}) })),
  ];
  const affinity: NodeAffinity = {
    requiredDuringSchedulingIgnoredDuringExecution: {
      nodeSelectorTerms: combineRequired(own?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms, hubTerms),
    },
  };
  if (preferred.length > 0) affinity.preferredDuringSchedulingIgnoredDuringExecution = preferred;
  return affinity;
}

/** Structural equality of two affinities as the API server returns them. */
export function sameAffinity(a: NodeAffinity | undefined, b: NodeAffinity | undefined): boolean {
  return canonicalJson(emptyToUndefined(a)) === canonicalJson(emptyToUndefined(b));
}

function emptyToUndefined(a: NodeAffinity | undefined): NodeAffinity | undefined {
  if (a === undefined) return undefined;
  return Object.keys(a).length === 0 ? undefined : a;
}

export function canonicalJson(value: unknown): string {
  if (value === undefined) return 'null';
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      return Object.fromEntries(
        Object.entries(v as Record<string, unknown>)
          .filter(([, x]) => x !== undefined && x !== null)
          .sort(([x], [y]) => x.localeCompare(y)),
      );
    }
    return v;
  });
}

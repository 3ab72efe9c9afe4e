// The only thing Westward writes on a target: the node affinity of its pod template.
// Required terms keep pods inside the eligible hubs (latency budget, residency); preferred terms
// steer them to the planned hub first and let them spill over instead of hanging Pending.
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
export interface NodeAffinity {
  requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms: NodeSelectorTerm[] };
  preferredDuringSchedulingIgnoredDuringExecution?: { weight: number; preference: NodeSelectorTerm }[];
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

/** The planned hub outweighs every fallback together, so the scheduler fills it first. */
export const plannedHubWeight = 100;
const fallbackTopWeight = 10;

/**
 * @param eligible every hub the workload may run in, with its node selector
 * @param order the planned hub first, then the fallbacks in the order pods should spill to
 */
export function desiredNodeAffinity(
  eligible: readonly HubSelectorTerm[],
  order: readonly string[],
): NodeAffinity | undefined {
  if (eligible.length === 0) return undefined;
  const byHub = new Map(eligible.map((e) => [e.hub, e.nodeSelector]));
  const required = [...eligible]
    .sort((a, b) => a.hub.localeCompare(b.hub))
    .map((e) => nodeSelectorTerm(e.nodeSelector));
  const ranked = order.filter((hub) => byHub.has(hub));
  const preferred = ranked.map((hub, rank) => ({
    weight: rank === 0 ? plannedHubWeight : Math.max(1, fallbackTopWeight - (rank - 1)),
    preference: nodeSelectorTerm(byHub.get(hub) ?? {}),
  }));
  const affinity: NodeAffinity = {
    requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: required },
  };
  if (preferred.length > 0) affinity.preferredDuringSchedulingIgnoredDuringExecution = preferred;
  return affinity;
}

/** The hub the applied affinity points pods at first, or undefined if none. */
export function plannedHubOf(
  affinity: NodeAffinity | undefined,
  eligible: readonly HubSelectorTerm[],
): string | undefined {
  const first = affinity?.preferredDuringSchedulingIgnoredDuringExecution?.find(
    (p) => p.weight === plannedHubWeight,
  );
  if (!first) return undefined;
  const wanted = JSON.stringify(first.preference);
  return eligible.find((e) => JSON.stringify(nodeSelectorTerm(e.nodeSelector)) === wanted)?.hub;
}

/** Structural equality of two affinities as the API server returns them. */
export function sameAffinity(a: NodeAffinity | undefined, b: NodeAffinity | undefined): boolean {
  return canonical(a) === canonical(b);
}

function canonical(value: unknown): string {
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

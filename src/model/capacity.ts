// A hub's capacity: its Ready, schedulable nodes (by the Hub's nodeSelector), their allocatable
// resources, and what is left after the pods of others bound to them.
import type { Resources } from '../placement/types.ts';
import type { Hub, Node, Pod } from './kube.ts';
import { isEmptySelector, selectorMatches } from './label-selector.ts';
import { podSpecRequest } from './demand.ts';
import { addResources, clampAtZero, noResources, resourcesOf, subtractResources } from './resources.ts';

export interface HubCapacity {
  /** names of the hub's usable nodes, sorted */
  nodes: string[];
  allocatable: Resources;
  /** requests of other, unfinished pods bound to those nodes */
  requestedByOthers: Resources;
  /** allocatable minus requestedByOthers, never below zero */
  free: Resources;
}

const blockingTaintEffects = new Set(['NoSchedule', 'NoExecute']);

export function isNodeReady(node: Node): boolean {
  return (node.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

export function isNodeSchedulable(node: Node): boolean {
  if (node.spec?.unschedulable === true) return false;
  return !(node.spec?.taints ?? []).some((taint) => blockingTaintEffects.has(taint.effect ?? ''));
}

export function isPodFinished(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}

/** Nodes that belong to the hub; an empty nodeSelector selects none (the API forbids it). */
export function hubNodes(hub: Hub, nodes: readonly Node[]): Node[] {
  if (isEmptySelector(hub.spec.nodeSelector)) return [];
  return nodes.filter((node) => selectorMatches(hub.spec.nodeSelector, node.metadata?.labels));
}

/**
 * @param isOwnPod true for pods of the workloads being planned: their requests are not
 *   subtracted, since the planner places them itself.
 */
export function hubCapacity(
  hub: Hub,
  nodes: readonly Node[],
  pods: readonly Pod[],
  isOwnPod: (pod: Pod) => boolean = () => false,
): HubCapacity {
  const usable = hubNodes(hub, nodes).filter((node) => isNodeReady(node) && isNodeSchedulable(node));
  const names = new Set(usable.map((node) => node.metadata?.name ?? ''));
  const allocatable = usable.reduce((sum, node) => addResources(sum, resourcesOf(node.status?.allocatable)), noResources);
  const requestedByOthers = pods
    .filter((pod) => pod.spec?.nodeName !== undefined && names.has(pod.spec.nodeName))
    .filter((pod) => !isPodFinished(pod) && !isOwnPod(pod))
    .reduce((sum, pod) => addResources(sum, podSpecRequest(pod.spec)), noResources);
  return {
    nodes: [...names].sort(),
    allocatable,
    requestedByOthers,
    free: clampAtZero(subtractResources(allocatable, requestedByOthers)),
  };
}

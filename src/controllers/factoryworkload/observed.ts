// Where a target's pods really run: Ready pods per hub, from the pod and node caches. This, not
// the plan, is what status.replicasByHub reports. Pure.
import { isNodeReady, isNodeSchedulable, isPodFinished } from '../../model/capacity.ts';
import { podSpecRequest } from '../../model/demand.ts';
import type { Hub, Node, Pod } from '../../model/kube.ts';
import { selectorMatches } from '../../model/label-selector.ts';
import { addResources, fits, noResources, resourcesOf, subtractResources } from '../../model/resources.ts';
import type { Resources } from '../../placement/types.ts';

export interface ObservedPlacement {
  /** Ready pods per hub (hubs with none are left out) */
  readyByHub: Record<string, number>;
  /** pods not Ready yet, not scheduled, or on a node outside every hub */
  notReady: number;
  /** the target's live pods by hub, newest first (for settling) */
  podsByHub: Record<string, string[]>;
}

export function isPodReady(pod: Pod): boolean {
  return (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

/** The hub a node belongs to (the first by name when selectors overlap), or undefined. */
export function hubOfNode(node: Node | undefined, hubs: readonly Hub[]): string | undefined {
  if (!node) return undefined;
  return hubs.find((h) => selectorMatches(h.spec.nodeSelector, node.metadata?.labels))?.metadata?.name;
}

export function podsOf(pods: readonly Pod[], namespace: string, selector: Record<string, string> | undefined): Pod[] {
  if (!selector || Object.keys(selector).length === 0) return [];
  return pods.filter((p) => p.metadata?.namespace === namespace && selectorMatches({ matchLabels: selector }, p.metadata.labels));
}

export function observePlacement(targetPods: readonly Pod[], nodesByName: ReadonlyMap<string, Node>, hubs: readonly Hub[]): ObservedPlacement {
  const readyByHub: Record<string, number> = {};
  const podsByHub: Record<string, { name: string; created: number }[]> = {};
  let notReady = 0;
  for (const pod of targetPods) {
    if (pod.metadata?.deletionTimestamp !== undefined || isPodFinished(pod)) continue;
    const nodeName = pod.spec?.nodeName;
    const hub = nodeName === undefined ? undefined : hubOfNode(nodesByName.get(nodeName), hubs);
    if (hub === undefined || !isPodReady(pod)) {
      notReady++;
      continue;
    }
    readyByHub[hub] = (readyByHub[hub] ?? 0) + 1;
    (podsByHub[hub] ??= []).push({ name: pod.metadata?.name ?? '', created: Date.parse(String(pod.metadata?.creationTimestamp ?? '')) || 0 });
  }
  const sorted: Record<string, string[]> = {};
  for (const [hub, list] of Object.entries(podsByHub)) {
    sorted[hub] = list.sort((a, b) => b.created - a.created || a.name.localeCompare(b.name)).map((p) => p.name);
  }
  return { readyByHub, notReady, podsByHub: sorted };
}

/** True when one node of the hub has room for one more replica now, counting every pod. */
export function hubHasRoomForOne(hub: Hub, nodes: readonly Node[], pods: readonly Pod[], perReplica: Resources): boolean {
  for (const node of nodes) {
    if (!selectorMatches(hub.spec.nodeSelector, node.metadata?.labels)) continue;
    if (!isNodeReady(node) || !isNodeSchedulable(node)) continue;
    const name = node.metadata?.name;
    const used = pods
      .filter((p) => p.spec?.nodeName === name && !isPodFinished(p))
      .reduce((sum, p) => addResources(sum, podSpecRequest(p.spec)), noResources);
    if (fits(perReplica, subtractResources(resourcesOf(node.status?.allocatable), used))) return true;
  }
  return false;
}

/** Same counts per hub, ignoring hubs with zero. */
export function sameCounts(a: Readonly<Record<string, number>>, b: Readonly<Record<string, number>>): boolean {
  const norm = (r: Readonly<Record<string, number>>): string =>
    JSON.stringify(Object.entries(r).filter(([, n]) => n > 0).sort(([x], [y]) => x.localeCompare(y)));
  return norm(a) === norm(b);
}

/** "gansu 2, ningxia 1" (or "none"), in the order given. */
export function describeCounts(counts: Readonly<Record<string, number>>, order: readonly string[] = []): string {
  const hubs = [...order.filter((h) => (counts[h] ?? 0) > 0), ...Object.keys(counts).filter((h) => !order.includes(h) && (counts[h] ?? 0) > 0).sort()];
  return hubs.length === 0 ? 'none' : hubs.map((h) => `${h} ${String(counts[h])}`).join(', ');
}

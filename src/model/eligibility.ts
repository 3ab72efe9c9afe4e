// Which hubs a factory workload may run in: round trip from the factory's region within the
// latency budget and the hub's labels allowed by placement.hubSelector, and a node selector that
// can be written as node affinity. Nearest first.
import type { FactoryWorkload, Hub } from './kube.ts';
import { nodeSelectorProblem, selectorMatches } from './label-selector.ts';

export interface HubRoute {
  hub: string;
  rttMs: number;
}

/** Round trip from a region to a hub, undefined when the hub declares none for that region. */
export function rttFrom(hub: Hub, region: string): number | undefined {
  return hub.spec.network?.find((entry) => entry.from === region)?.rttMs;
}

/** Eligible hubs with their round trips, nearest first, ties by name. */
export function eligibleRoutes(fw: FactoryWorkload, hubs: readonly Hub[]): HubRoute[] {
  const routes: HubRoute[] = [];
  for (const hub of hubs) {
    const name = hub.metadata?.name;
    if (name === undefined) continue;
    const rttMs = rttFrom(hub, fw.spec.factory.region);
    if (rttMs === undefined || rttMs > fw.spec.latencyBudgetMs) continue;
    if (!selectorMatches(fw.spec.placement?.hubSelector, hub.metadata?.labels)) continue;
    // Its selector in a workload's required node affinity would make the API server refuse the
    // whole write, for every hub of that workload; its own status says why.
    if (nodeSelectorProblem(hub.spec.nodeSelector) !== undefined) continue;
    routes.push({ hub: name, rttMs });
  }
  return routes.sort((a, b) => a.rttMs - b.rttMs || compareNames(a.hub, b.hub));
}

export function eligibleHubs(fw: FactoryWorkload, hubs: readonly Hub[]): string[] {
  return eligibleRoutes(fw, hubs).map((route) => route.hub);
}

function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

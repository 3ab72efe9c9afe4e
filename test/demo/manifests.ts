// The sample manifests as the demo applies them: every weather-based Hub polls the local forecast
// server every 10 s, and every FactoryWorkload may move again after 30 s instead of tens of
// minutes. Pure over the YAML text.
import { parseAllDocuments, stringify } from 'yaml';

export const demoRefreshInterval = '10s';
export const demoMaxStaleness = '5m';
export const demoMinDwell = '30s';

export interface SampleObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec?: Record<string, unknown>;
  [key: string]: unknown;
}

export function parseObjects(text: string, source: string): SampleObject[] {
  const objects: SampleObject[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new Error(`${source}: ${doc.errors[0]?.message ?? 'invalid YAML'}`);
    const value: unknown = doc.toJSON();
    if (value === null || value === undefined) continue;
    const o = value as Partial<SampleObject>;
    if (typeof o.kind !== 'string' || typeof o.metadata?.name !== 'string') throw new Error(`${source}: an object without kind or metadata.name`);
    objects.push(o as SampleObject);
  }
  return objects;
}

/** A Hub pointed at the local server; a Static hub keeps its declared values. */
export function demoHub(hub: SampleObject, forecastUrl: string): SampleObject {
  const spec = hub.spec ?? {};
  const forecast = spec.forecast as { provider?: string } | undefined;
  if (forecast?.provider === 'Static') return hub;
  return {
    ...hub,
    spec: { ...spec, forecast: { provider: 'OpenMeteo', url: forecastUrl, refreshInterval: demoRefreshInterval, maxStaleness: demoMaxStaleness } },
  };
}

/** A FactoryWorkload with a short dwell; its minImprovement and everything else unchanged. */
export function demoWorkload(fw: SampleObject): SampleObject {
  const spec = fw.spec ?? {};
  const placement = (spec.placement ?? {}) as Record<string, unknown>;
  return { ...fw, spec: { ...spec, placement: { ...placement, minDwell: demoMinDwell } } };
}

/**
 * A Deployment whose pods stay on Linux nodes, which every sample node is: on a shared cluster
 * the kwok nodes of other tests carry no such label, so the demo's pods never take their room
 * (before the first placement, and in Shadow mode, nothing else keeps them away).
 */
export function demoDeployment(d: SampleObject): SampleObject {
  const spec = d.spec ?? {};
  const template = (spec.template ?? {}) as { spec?: Record<string, unknown> };
  const podSpec = template.spec ?? {};
  const nodeSelector = { ...(podSpec.nodeSelector as Record<string, string> | undefined), 'kubernetes.io/os': 'linux' };
  return { ...d, spec: { ...spec, template: { ...template, spec: { ...podSpec, nodeSelector } } } };
}

export function demoObject(o: SampleObject, forecastUrl: string): SampleObject {
  if (o.kind === 'Hub') return demoHub(o, forecastUrl);
  if (o.kind === 'FactoryWorkload') return demoWorkload(o);
  if (o.kind === 'Deployment') return demoDeployment(o);
  return o;
}

export function toYaml(objects: readonly SampleObject[]): string {
  return objects.map((o) => stringify(o)).join('---\n');
}

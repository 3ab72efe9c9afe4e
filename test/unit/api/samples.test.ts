// The samples hang together: every hub selects some nodes, every workload has its target and at
// least one hub within its latency budget that has room for it. Checked without a cluster.
import { describe, expect, it } from 'vitest';
import type { FactoryWorkload, Hub } from '../../../src/api/index.ts';
import { durationPattern } from '../../../src/api/duration.ts';
import { loadSamples, type KubeObject } from './load.ts';

const objects = loadSamples();
const hubs = objects.filter((o) => o.kind === 'Hub') as unknown as (Hub & { metadata: { name: string } })[];
const workloads = objects.filter((o) => o.kind === 'FactoryWorkload') as unknown as (FactoryWorkload & {
  metadata: { name: string; namespace: string };
})[];
const nodes = objects.filter((o) => o.kind === 'Node') as (KubeObject & {
  status: { allocatable: Record<string, string> };
})[];
const deployments = objects.filter((o) => o.kind === 'Deployment');

function selects(selector: Record<string, string> | undefined, labels: Record<string, string> | undefined): boolean {
  return Object.entries(selector ?? {}).every(([k, v]) => labels?.[k] === v);
}

function hubNodes(hub: Hub): typeof nodes {
  return nodes.filter((n) => selects(hub.spec.nodeSelector.matchLabels, n.metadata.labels));
}

describe('sample hubs', () => {
  it('are the eight national hubs, inside China', () => {
    expect(hubs).toHaveLength(8);
    for (const hub of hubs) {
      // China's mainland bounding box, roughly: 18..54 N, 73..135 E.
      expect(hub.spec.location.latitude).toBeGreaterThan(18);
      expect(hub.spec.location.latitude).toBeLessThan(54);
      expect(hub.spec.location.longitude).toBeGreaterThan(73);
      expect(hub.spec.location.longitude).toBeLessThan(135);
    }
  });

  it('each select their own kwok nodes and no other hub selects them', () => {
    for (const hub of hubs) {
      const own = hubNodes(hub);
      expect(own.length, hub.metadata.name).toBeGreaterThan(0);
      for (const n of own) {
        expect(n.metadata.labels?.['westward.io/hub']).toBe(hub.metadata.name);
        expect(n.metadata.labels?.['type']).toBe('kwok');
        expect(n.metadata.labels?.['topology.kubernetes.io/region']).toBe(`cn-${hub.metadata.labels?.['westward.io/province'] ?? ''}`);
      }
    }
    const claimed = hubs.flatMap((h) => hubNodes(h).map((n) => n.metadata.name));
    expect(new Set(claimed).size).toBe(claimed.length);
    expect(claimed.length).toBe(nodes.length);
  });

  it('declare round trips from the three factory regions, longer for the western hubs', () => {
    for (const hub of hubs) {
      const from = (hub.spec.network ?? []).map((n) => n.from).sort();
      expect(from, hub.metadata.name).toEqual(['guangdong', 'jiangsu', 'zhejiang']);
      const west = hub.metadata.labels?.['westward.io/side'] === 'west';
      for (const n of hub.spec.network ?? []) {
        if (west) expect(n.rttMs).toBeGreaterThanOrEqual(25);
        expect(n.rttMs).toBeLessThanOrEqual(60);
      }
    }
  });

  it('use valid durations and grid intensities in the plausible range', () => {
    for (const hub of hubs) {
      expect(hub.spec.forecast.refreshInterval ?? '15m').toMatch(durationPattern);
      expect(hub.spec.energy.gridCarbonIntensity).toBeGreaterThan(100);
      expect(hub.spec.energy.gridCarbonIntensity).toBeLessThanOrEqual(800);
    }
  });
});

describe('sample nodes', () => {
  it('are fake kwok nodes with allocatable resources and no taints', () => {
    expect(nodes.length).toBeGreaterThanOrEqual(16);
    for (const n of nodes) {
      expect((n.metadata as { annotations?: Record<string, string> }).annotations?.['kwok.x-k8s.io/node']).toBe('fake');
      expect(Object.keys(n.status.allocatable)).toEqual(expect.arrayContaining(['cpu', 'memory', 'pods']));
      expect((n.spec as { taints?: unknown } | undefined)?.taints).toBeUndefined();
    }
  });

  it('put GPUs in every western hub', () => {
    for (const hub of hubs.filter((h) => h.metadata.labels?.['westward.io/side'] === 'west')) {
      const gpus = hubNodes(hub).reduce((sum, n) => sum + Number(n.status.allocatable['nvidia.com/gpu'] ?? 0), 0);
      expect(gpus, hub.metadata.name).toBeGreaterThan(0);
    }
  });
});

describe('sample factory workloads', () => {
  it('cover quality control, predictive maintenance and supply chain in the three regions', () => {
    expect(new Set(workloads.map((w) => w.spec.factory.region))).toEqual(new Set(['guangdong', 'zhejiang', 'jiangsu']));
    const names = workloads.map((w) => w.metadata.name).join(' ');
    for (const kind of ['inspection', 'maintenance', 'supply-chain']) expect(names).toContain(kind);
  });

  it('each target a Deployment in their namespace that never drops capacity while it moves', () => {
    for (const w of workloads) {
      const target = deployments.find(
        (d) => d.metadata.namespace === w.metadata.namespace && d.metadata.name === w.spec.targetRef.name,
      );
      expect(target, w.metadata.name).toBeDefined();
      const strategy = (target?.spec as { strategy?: { rollingUpdate?: { maxUnavailable?: number } } }).strategy;
      expect(strategy?.rollingUpdate?.maxUnavailable).toBe(0);
      expect(w.spec.latencyBudgetMs).toBeGreaterThanOrEqual(20);
      expect(w.spec.latencyBudgetMs).toBeLessThanOrEqual(60);
    }
  });

  it('each have a hub within budget, allowed by their selector, with room for all replicas', () => {
    for (const w of workloads) {
      const target = deployments.find((d) => d.metadata.namespace === w.metadata.namespace && d.metadata.name === w.spec.targetRef.name);
      const spec = target?.spec as {
        replicas: number;
        template: { spec: { containers: { resources: { requests: Record<string, string> } }[] } };
      };
      const gpuPerReplica = Number(spec.template.spec.containers[0]?.resources.requests['nvidia.com/gpu'] ?? 0);
      const allowed = w.spec.placement?.hubSelector?.matchExpressions?.[0];
      const fits = hubs.filter((hub) => {
        const rtt = hub.spec.network?.find((n) => n.from === w.spec.factory.region)?.rttMs ?? Infinity;
        const province = hub.metadata.labels?.['westward.io/province'] ?? '';
        const gpus = hubNodes(hub).reduce((sum, n) => sum + Number(n.status.allocatable['nvidia.com/gpu'] ?? 0), 0);
        return rtt <= w.spec.latencyBudgetMs && (allowed?.values?.includes(province) ?? true) && gpus >= gpuPerReplica * spec.replicas;
      });
      expect(fits.length, w.metadata.name).toBeGreaterThan(0);
    }
  });
});

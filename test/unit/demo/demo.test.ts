// The demo's pure parts: its changes to the samples, its clock, and what its screen counts.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FactoryWorkload } from '../../../src/api/index.ts';
import { sampleObjects } from '../../../test/demo/cluster.ts';
import { demoObject } from '../../../test/demo/manifests.ts';
import { bar, renderFrame, type Frame } from '../../../test/demo/screen.ts';
import { formatSimulated, simClock, simulatedMs } from '../../../test/demo/sim-clock.ts';
import { podChanges, workloadView, type NodeLike, type PodLike } from '../../../test/demo/view.ts';

const root = path.resolve(import.meta.dirname, '../../..');
const url = 'http://127.0.0.1:40123';

describe('the samples as the demo applies them', () => {
  it('points every weather hub at the local server, keeps Static hubs, and shortens only minDwell', async () => {
    const samples = await sampleObjects(root);
    const demo = samples.map((o) => demoObject(o, url));
    const hubs = demo.filter((o) => o.kind === 'Hub');
    expect(hubs.length).toBe(8);
    for (const [i, hub] of hubs.entries()) {
      const before = samples.filter((o) => o.kind === 'Hub')[i];
      const forecast = hub.spec?.forecast as Record<string, unknown>;
      if ((before?.spec?.forecast as { provider?: string }).provider === 'Static') {
        expect(hub).toEqual(before);
        continue;
      }
      expect(forecast).toEqual({ provider: 'OpenMeteo', url, refreshInterval: '10s', maxStaleness: '5m' });
      // Everything else in the spec is the sample's.
      const { forecast: _a, ...rest } = hub.spec ?? {};
      const { forecast: _b, ...restBefore } = before?.spec ?? {};
      expect(rest).toEqual(restBefore);
    }
    const fws = demo.filter((o) => o.kind === 'FactoryWorkload');
    const fwsBefore = samples.filter((o) => o.kind === 'FactoryWorkload');
    expect(fws.length).toBe(6);
    fws.forEach((fw, i) => {
      const placement = fw.spec?.placement as Record<string, unknown>;
      const placementBefore = fwsBefore[i]?.spec?.placement as Record<string, unknown>;
      expect(placement.minDwell).toBe('30s');
      expect(placement.minImprovement).toBe(placementBefore.minImprovement);
      expect({ ...placement, minDwell: placementBefore.minDwell }).toEqual(placementBefore);
    });
    for (const d of demo.filter((o) => o.kind === 'Deployment')) {
      expect((d.spec?.template as { spec: { nodeSelector: Record<string, string> } }).spec.nodeSelector).toEqual({ 'kubernetes.io/os': 'linux' });
    }
    // The samples themselves are not changed in place.
    expect(samples.filter((o) => o.kind === 'FactoryWorkload').every((o) => (o.spec?.placement as { minDwell: string }).minDwell !== '30s')).toBe(true);
  });

  it('keeps the demo pods on sample nodes: every sample node is a Linux node', async () => {
    const nodes = (await sampleObjects(root)).filter((o) => o.kind === 'Node');
    expect(nodes.length).toBeGreaterThan(0);
    for (const node of nodes) expect(node.metadata.labels?.['kubernetes.io/os'], node.metadata.name).toBe('linux');
  });
});

describe('the compressed clock', () => {
  it('starts at the chosen hour, China time, and advances one hour per hourSeconds', () => {
    const clock = simClock(1_000_000, 18, 10);
    expect(formatSimulated(simulatedMs(clock, 1_000_000))).toBe('Tue, 15 Apr 18:00 CST');
    expect(formatSimulated(simulatedMs(clock, 1_000_000 + 10_000))).toBe('Tue, 15 Apr 19:00 CST');
    expect(formatSimulated(simulatedMs(clock, 1_000_000 + 65_000))).toBe('Wed, 16 Apr 00:30 CST');
  });
});

const node = (name: string, hub?: string): NodeLike => ({ metadata: { name, labels: hub === undefined ? {} : { 'westward.io/hub': hub } } });
const pod = (name: string, nodeName: string | undefined, ready: boolean, extra: Partial<NonNullable<PodLike['metadata']>> = {}): PodLike => ({
  metadata: { name, namespace: 'plant', labels: { app: 'qc' }, ...extra },
  spec: nodeName === undefined ? {} : { nodeName },
  status: { conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
});
const fw: FactoryWorkload = {
  apiVersion: 'westward.io/v1alpha1',
  kind: 'FactoryWorkload',
  metadata: { name: 'qc', namespace: 'plant' },
  spec: { targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'qc' }, factory: { region: 'guangdong' }, latencyBudgetMs: 40, powerPerReplicaW: 500 },
  status: { hub: 'gansu', lastMove: { time: '2026-11-29T11:00:00Z', from: 'hebei', to: 'gansu', reason: 'moved from hebei to gansu: +30 % renewable share over the next 1 h' } },
};

describe('what the screen counts', () => {
  const nodes = new Map([node('g-0', 'gansu'), node('g-1', 'gansu'), node('h-0', 'hebei'), node('other-0')].map((n) => [n.metadata?.name ?? '', n]));

  it('counts Ready pods per hub by their node, and only the target\'s live pods', () => {
    const pods = [
      pod('a', 'g-0', true),
      pod('b', 'g-1', true),
      pod('c', 'h-0', true),
      pod('d', 'h-0', false),
      pod('e', undefined, false),
      pod('f', 'other-0', true),
      pod('g', 'g-0', true, { deletionTimestamp: '2026-11-29T11:00:00Z' }),
      pod('h', 'g-0', true, { namespace: 'elsewhere' }),
      pod('i', 'g-0', true, { labels: { app: 'other' } }),
    ];
    const view = workloadView(fw, { app: 'qc' }, pods, nodes);
    expect(view.readyByHub).toEqual({ gansu: 2, hebei: 1 });
    expect(view.notReady).toBe(2);
    expect(view.elsewhere).toBe(1);
    expect(view.lastMove?.from).toBe('hebei');
  });

  it('marks pods that arrived at or left a hub since the last screen', () => {
    expect(podChanges(undefined, { gansu: 2 })).toEqual({});
    expect(podChanges({ hebei: 3, gansu: 1 }, { hebei: 1, gansu: 3 })).toEqual({ hebei: -2, gansu: 2 });
    expect(podChanges({ hebei: 3 }, { gansu: 3 })).toEqual({ hebei: -3, gansu: 3 });
    expect(podChanges({ gansu: 3 }, { gansu: 3 })).toEqual({});
  });

  it('draws the renewable share as a bar of its width', () => {
    expect(bar(0, 10)).toBe('░'.repeat(10));
    expect(bar(1, 10)).toBe('█'.repeat(10));
    expect(bar(0.5, 10)).toBe('█████░░░░░');
    expect(bar(1.7, 4)).toBe('████');
  });

  it('renders the moves, the synthetic label and the simulated time in a frame', () => {
    const before = workloadView(fw, { app: 'qc' }, [pod('c', 'h-0', true)], nodes);
    const after = workloadView(fw, { app: 'qc' }, [pod('a', 'g-0', true)], nodes);
    const frame: Frame = {
      realNowMs: Date.parse('2026-11-29T11:00:30Z'),
      realStartMs: Date.parse('2026-11-29T10:59:00Z'),
      simNowMs: Date.UTC(2025, 3, 15, 12) - 8 * 3_600_000,
      hourSeconds: 10,
      forecastUrl: url,
      forecastRequests: 3,
      hubs: [{ name: 'gansu', provider: 'OpenMeteo', share: 0.75, carbon: 140, renewableMW: 500, fresh: 'True', freshReason: 'ForecastLive', ready: true }],
      workloads: [after],
      previous: new Map([[before.key, before.readyByHub]]),
      movedEvents: 1,
      operatorLog: '.cluster/logs/demo-operator.log',
      simulatedAt: (ms) => ms,
      color: false,
    };
    const text = renderFrame(frame);
    expect(text).toContain('SYNTHETIC');
    expect(text).toContain('15 Apr 12:00 CST');
    expect(text).toMatch(/gansu\s+███████████████░░░░░\s+75%\s+140 g\/kWh/);
    expect(text).toContain('gansu ● ▲1 moved in');
    expect(text).toContain('hebei 0 ▼1 left');
    expect(text).toContain('moved hebei → gansu (0:30 ago');
    expect(text).toContain('Moved events since the demo started: 1');
    expect(text).not.toContain('\u001b[');
  });
});

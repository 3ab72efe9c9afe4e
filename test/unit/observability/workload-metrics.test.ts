import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FactoryWorkloadStatus } from '../../../src/api/index.ts';
import { createRegistry } from '../../../src/observability/metrics.ts';
import { createWorkloadMetrics, workloadSeries, type WorkloadIdentity } from '../../../src/observability/workload-metrics.ts';

const placed = (status: 'True' | 'False', reason: string) => ({
  type: 'Placed',
  status,
  reason,
  message: 'm',
  lastTransitionTime: '2026-12-01T00:00:00Z',
});

const vision: WorkloadIdentity = { namespace: 'plant-a', name: 'vision', factoryRegion: 'guangdong', powerPerReplicaW: 700 };

/** The exposition lines of one metric, without HELP and TYPE. */
async function lines(registry: ReturnType<typeof createRegistry>, metric: string): Promise<string[]> {
  const text = await registry.metrics();
  return text.split('\n').filter((l) => l.startsWith(`${metric}{`)).sort();
}

describe('workloadSeries', () => {
  it.each([
    ['no status', undefined, { replicas: [], placed: { reason: 'Unknown', value: 0 }, expected: undefined, avoided: undefined }],
    [
      'running as planned',
      { hub: 'gansu', replicasByHub: { gansu: 2 }, plannedReplicasByHub: { gansu: 2 }, conditions: [placed('True', 'Placed')], expected: { renewableShare: 0.8, carbonIntensity: 100 }, avoidedEmissions: { grams: 1200, since: 's', accountedUntil: 'u' } },
      { replicas: [{ hub: 'gansu', ready: 2, planned: 2 }], placed: { reason: 'Placed', value: 1 }, expected: 0.8, avoided: { hub: 'gansu', grams: 1200 } },
    ],
    [
      'settling: running where the plan has none, planned where none runs yet',
      { hub: 'gansu', replicasByHub: { ningxia: 3 }, plannedReplicasByHub: { gansu: 2, ningxia: 1 }, conditions: [placed('False', 'Settling')] },
      { replicas: [{ hub: 'gansu', ready: 0, planned: 2 }, { hub: 'ningxia', ready: 3, planned: 1 }], placed: { reason: 'Settling', value: 0 }, expected: undefined, avoided: undefined },
    ],
    [
      'not placed: no hub, negative avoided grams kept as they are',
      { conditions: [placed('False', 'NoEligibleHub')], avoidedEmissions: { grams: -40, since: 's', accountedUntil: 'u' } },
      { replicas: [], placed: { reason: 'NoEligibleHub', value: 0 }, expected: undefined, avoided: { hub: '', grams: -40 } },
    ],
  ] as const)('%s', (_name, status, want) => {
    const s = workloadSeries(status as FactoryWorkloadStatus | undefined);
    expect(s.replicas).toEqual(want.replicas);
    expect(s.placed).toEqual(want.placed);
    expect(s.expectedRenewableShare).toEqual(want.expected);
    expect(s.avoided).toEqual(want.avoided);
  });

  it('has one row per hub of either map, each with both counts as the status gives them', () => {
    const counts = fc.dictionary(fc.constantFrom('a', 'b', 'c', 'd', 'e'), fc.nat(20));
    fc.assert(
      fc.property(counts, counts, (ready, planned) => {
        const rows = workloadSeries({ replicasByHub: ready, plannedReplicasByHub: planned }).replicas;
        expect(rows.map((r) => r.hub)).toEqual([...new Set([...Object.keys(ready), ...Object.keys(planned)])].sort());
        for (const r of rows) {
          expect(r.ready).toBe(ready[r.hub] ?? 0);
          expect(r.planned).toBe(planned[r.hub] ?? 0);
        }
      }),
    );
  });
});

describe('createWorkloadMetrics', () => {
  it('labels series workload_namespace and workload, never namespace, which a scrape overwrites', async () => {
    const registry = createRegistry();
    createWorkloadMetrics(registry).report(vision, { hub: 'gansu', replicasByHub: { gansu: 2 }, plannedReplicasByHub: { gansu: 2 }, conditions: [placed('True', 'Placed')] });
    expect(await lines(registry, 'westward_workload_ready_replicas')).toEqual(['westward_workload_ready_replicas{workload_namespace="plant-a",workload="vision",hub="gansu"} 2']);
    expect(await registry.metrics()).not.toMatch(/[{,]namespace=/);
  });

  it('drops the series of a hub the workload left, and of a Placed reason that passed', async () => {
    const registry = createRegistry();
    const metrics = createWorkloadMetrics(registry);
    metrics.report(vision, { hub: 'ningxia', replicasByHub: { ningxia: 3 }, plannedReplicasByHub: { gansu: 2, ningxia: 1 }, conditions: [placed('False', 'Settling')], avoidedEmissions: { grams: 10, since: 's', accountedUntil: 'u' } });
    metrics.report(vision, { hub: 'gansu', replicasByHub: { gansu: 3 }, plannedReplicasByHub: { gansu: 3 }, conditions: [placed('True', 'Placed')], avoidedEmissions: { grams: 25, since: 's', accountedUntil: 'u' } });
    expect(await lines(registry, 'westward_workload_ready_replicas')).toEqual(['westward_workload_ready_replicas{workload_namespace="plant-a",workload="vision",hub="gansu"} 3']);
    expect(await lines(registry, 'westward_workload_planned_replicas')).toEqual(['westward_workload_planned_replicas{workload_namespace="plant-a",workload="vision",hub="gansu"} 3']);
    expect(await lines(registry, 'westward_workload_placed')).toEqual(['westward_workload_placed{workload_namespace="plant-a",workload="vision",reason="Placed"} 1']);
    expect(await lines(registry, 'westward_workload_avoided_emissions_grams')).toEqual([
      'westward_workload_avoided_emissions_grams{workload_namespace="plant-a",workload="vision",factory_region="guangdong",hub="gansu"} 25',
    ]);
  });

  it('says when and between which hubs the workload last moved, one series at a time', async () => {
    const registry = createRegistry();
    const metrics = createWorkloadMetrics(registry);
    metrics.report(vision, { lastMove: { time: '2026-12-01T10:00:00Z', from: 'ningxia', to: 'gansu', reason: 'r' } });
    metrics.report(vision, { lastMove: { time: '2026-12-01T12:30:00Z', from: 'gansu', to: 'ningxia', reason: 'r' } });
    expect(await lines(registry, 'westward_workload_last_move_timestamp_seconds')).toEqual([
      `westward_workload_last_move_timestamp_seconds{workload_namespace="plant-a",workload="vision",from="gansu",to="ningxia"} ${String(Date.UTC(2026, 11, 1, 12, 30) / 1000)}`,
    ]);
    expect(workloadSeries({ lastMove: { time: 'not a time', from: 'a', to: 'b', reason: 'r' } }).lastMove).toBeUndefined();
  });

  it('follows a changed factory region without leaving the old one behind', async () => {
    const registry = createRegistry();
    const metrics = createWorkloadMetrics(registry);
    const status = { hub: 'gansu', avoidedEmissions: { grams: 5, since: 's', accountedUntil: 'u' } };
    metrics.report(vision, status);
    metrics.report({ ...vision, factoryRegion: 'zhejiang', powerPerReplicaW: 500 }, status);
    expect(await lines(registry, 'westward_workload_replica_power_watts')).toEqual(['westward_workload_replica_power_watts{workload_namespace="plant-a",workload="vision",factory_region="zhejiang"} 500']);
    expect(await lines(registry, 'westward_workload_avoided_emissions_grams')).toEqual([
      'westward_workload_avoided_emissions_grams{workload_namespace="plant-a",workload="vision",factory_region="zhejiang",hub="gansu"} 5',
    ]);
  });

  it('removes every series of a deleted workload and none of another', async () => {
    const registry = createRegistry();
    const metrics = createWorkloadMetrics(registry);
    const status: FactoryWorkloadStatus = {
      hub: 'gansu',
      replicasByHub: { gansu: 1 },
      plannedReplicasByHub: { gansu: 1 },
      conditions: [placed('True', 'Placed')],
      expected: { renewableShare: 0.5, carbonIntensity: 300 },
      avoidedEmissions: { grams: 1, since: 's', accountedUntil: 'u' },
      lastMove: { time: '2026-12-01T10:00:00Z', from: 'ningxia', to: 'gansu', reason: 'r' },
    };
    metrics.report(vision, status);
    metrics.report({ ...vision, name: 'press' }, status);
    await metrics.forget('plant-a', 'vision');
    const text = await registry.metrics();
    expect(text).not.toMatch(/workload="vision"/);
    for (const metric of ['ready_replicas', 'planned_replicas', 'placed', 'expected_renewable_share_ratio', 'avoided_emissions_grams', 'replica_power_watts', 'last_move_timestamp_seconds']) {
      expect(await lines(registry, `westward_workload_${metric}`), metric).toHaveLength(1);
    }
    // A workload created again under the same name starts from nothing.
    metrics.report(vision, { conditions: [placed('False', 'TargetNotFound')] });
    expect(await lines(registry, 'westward_workload_placed')).toContain('westward_workload_placed{workload_namespace="plant-a",workload="vision",reason="TargetNotFound"} 0');
  });
});

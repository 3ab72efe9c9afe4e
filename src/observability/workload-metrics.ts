// A FactoryWorkload's series, read from the status the reconciler wrote (one source per fact):
// where its Ready pods run and where the plan puts them, per hub; whether it is placed; what it
// is expected to get; what it has avoided. Labels are `workload_namespace` and `workload`, never
// `namespace`, which a scrape sets to the operator's own namespace.
import type { FactoryWorkloadStatus } from '../api/index.ts';
import { gauge, removeSeries, type Registry } from './metrics.ts';

export interface WorkloadIdentity {
  namespace: string;
  name: string;
  /** spec.factory.region */
  factoryRegion: string;
  /** spec.powerPerReplicaW */
  powerPerReplicaW: number;
}

export interface WorkloadSeries {
  /** every hub that has Ready pods or planned replicas, with both counts (0 where none) */
  replicas: { hub: string; ready: number; planned: number }[];
  placed: { reason: string; value: 0 | 1 };
  expectedRenewableShare: number | undefined;
  avoided: { hub: string; grams: number } | undefined;
  lastMove: { from: string; to: string; atSeconds: number } | undefined;
}

/** The values to export for a status; pure. */
export function workloadSeries(status: FactoryWorkloadStatus | undefined): WorkloadSeries {
  const ready = status?.replicasByHub ?? {};
  const planned = status?.plannedReplicasByHub ?? {};
  const hubs = [...new Set([...Object.keys(ready), ...Object.keys(planned)])].sort();
  const placed = status?.conditions?.find((c) => c.type === 'Placed');
  const grams = status?.avoidedEmissions?.grams;
  const move = status?.lastMove;
  const movedAtMs = move?.time === undefined ? NaN : Date.parse(move.time);
  return {
    replicas: hubs.map((hub) => ({ hub, ready: ready[hub] ?? 0, planned: planned[hub] ?? 0 })),
    placed: { reason: placed?.reason ?? 'Unknown', value: placed?.status === 'True' ? 1 : 0 },
    expectedRenewableShare: status?.expected?.renewableShare,
    avoided: grams === undefined ? undefined : { hub: status?.hub ?? '', grams },
    lastMove: move === undefined || !Number.isFinite(movedAtMs) ? undefined : { from: move.from ?? '', to: move.to ?? '', atSeconds: movedAtMs / 1000 },
  };
}

export interface WorkloadMetrics {
  /** Sets the workload's series to what `status` says and removes those it no longer has. */
  report(workload: WorkloadIdentity, status: FactoryWorkloadStatus | undefined): void;
  /** Removes every series of the workload (it was deleted). */
  forget(namespace: string, name: string): Promise<void>;
}

export function createWorkloadMetrics(registry: Registry): WorkloadMetrics {
  const ids = ['workload_namespace', 'workload'] as const;
  const ready = gauge(registry, {
    name: 'westward_workload_ready_replicas',
    help: 'Ready pods of the workload per hub, as observed (status.replicasByHub)',
    labelNames: [...ids, 'hub'] as const,
  });
  const planned = gauge(registry, {
    name: 'westward_workload_planned_replicas',
    help: 'Replicas the plan puts in each hub (status.plannedReplicasByHub)',
    labelNames: [...ids, 'hub'] as const,
  });
  const placed = gauge(registry, {
    name: 'westward_workload_placed',
    help: '1 while the Placed condition is True; reason is the condition reason',
    labelNames: [...ids, 'reason'] as const,
  });
  const expectedShare = gauge(registry, {
    name: 'westward_workload_expected_renewable_share_ratio',
    help: 'Expected renewable share at the planned hub over the dwell window (0..1)',
    labelNames: ids,
  });
  const avoidedGrams = gauge(registry, {
    name: 'westward_workload_avoided_emissions_grams',
    help: 'CO2 avoided against running at the nearest eligible hub, since status.avoidedEmissions.since; hub is the planned hub',
    labelNames: [...ids, 'factory_region', 'hub'] as const,
  });
  const replicaPower = gauge(registry, {
    name: 'westward_workload_replica_power_watts',
    help: 'Power one replica draws (spec.powerPerReplicaW)',
    labelNames: [...ids, 'factory_region'] as const,
  });
  const lastMove = gauge(registry, {
    name: 'westward_workload_last_move_timestamp_seconds',
    help: 'When the workload last moved between hubs (status.lastMove), from and to which hub',
    labelNames: [...ids, 'from', 'to'] as const,
  });
  // What was last set per workload, so a hub or reason the status no longer has loses its series.
  const last = new Map<string, { hubs: string[]; reason: string; avoidedHub: string | undefined; region: string; move: { from: string; to: string } | undefined }>();

  return {
    report(workload, status) {
      const key = `${workload.namespace}/${workload.name}`;
      const id = { workload_namespace: workload.namespace, workload: workload.name };
      const series = workloadSeries(status);
      const before = last.get(key);
      const hubs = series.replicas.map((r) => r.hub);
      for (const hub of before?.hubs ?? []) {
        if (hubs.includes(hub)) continue;
        ready.remove({ ...id, hub });
        planned.remove({ ...id, hub });
      }
      for (const r of series.replicas) {
        ready.set({ ...id, hub: r.hub }, r.ready);
        planned.set({ ...id, hub: r.hub }, r.planned);
      }
      if (before !== undefined && before.reason !== series.placed.reason) placed.remove({ ...id, reason: before.reason });
      placed.set({ ...id, reason: series.placed.reason }, series.placed.value);
      if (series.expectedRenewableShare === undefined) expectedShare.remove(id);
      else expectedShare.set(id, series.expectedRenewableShare);
      if (before?.avoidedHub !== undefined && (before.avoidedHub !== series.avoided?.hub || before.region !== workload.factoryRegion)) {
        avoidedGrams.remove({ ...id, factory_region: before.region, hub: before.avoidedHub });
      }
      if (series.avoided) avoidedGrams.set({ ...id, factory_region: workload.factoryRegion, hub: series.avoided.hub }, series.avoided.grams);
      if (before !== undefined && before.region !== workload.factoryRegion) replicaPower.remove({ ...id, factory_region: before.region });
      replicaPower.set({ ...id, factory_region: workload.factoryRegion }, workload.powerPerReplicaW);
      const move = series.lastMove;
      if (before?.move !== undefined && (before.move.from !== move?.from || before.move.to !== move.to)) lastMove.remove({ ...id, ...before.move });
      if (move) lastMove.set({ ...id, from: move.from, to: move.to }, move.atSeconds);
      last.set(key, {
        hubs,
        reason: series.placed.reason,
        avoidedHub: series.avoided?.hub,
        region: workload.factoryRegion,
        move: move === undefined ? undefined : { from: move.from, to: move.to },
      });
    },
    async forget(namespace, name) {
      last.delete(`${namespace}/${name}`);
      await removeSeries(registry, { workload_namespace: namespace, workload: name });
    },
  };
}

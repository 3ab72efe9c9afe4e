// FactoryWorkload controller (factoryworkload.placement): level-triggered. From the latest plan
// it writes the target's node affinity (Enforce), its own status, and events on transitions.
// Finalizer first; deletion undoes what Westward wrote. Nothing is written when nothing changed.
import type { FactoryWorkload, FactoryWorkloadStatus } from '../../api/index.ts';
import { affinityFinalizer, factoryWorkloadKind, factoryWorkloadPlural, group, version } from '../../api/index.ts';
import { counter, gauge, removeSeries } from '../../observability/metrics.ts';
import { applyCustomStatus, applyWorkload, customObjectTarget, setFinalizer } from '../../runtime/apply.ts';
import type { ReconcileResult } from '../../runtime/controller.ts';
import { isNotFound } from '../../runtime/errors.ts';
import { conditionOf, type Condition } from '../conditions.ts';
import type { OperatorContext } from '../context.ts';
import type { HubForecasts } from '../hub/forecasts.ts';
import { targetOf, type PlacementState } from '../placement/planning.ts';
import type { Target } from '../placement/gather.ts';
import { desiredNodeAffinity, plannedHubOf, sameAffinity, type HubSelectorTerm, type NodeAffinity } from './affinity.ts';
import { accrueAvoidedEmissions } from './avoided-emissions.ts';
import { desiredWorkloadStatus, targetMissingStatus, type FreshnessOfHubs } from './status.ts';

export interface WorkloadReconcilerOptions {
  /** avoided emissions are accounted in steps of this length */
  accountingStepMs: number;
  /** asks the placement controller to plan now */
  requestPlan: () => void;
}

type ManagedTarget = Target & {
  kind?: string;
  metadata?: { managedFields?: { manager?: string; operation?: string; fieldsV1?: unknown }[]; generation?: number };
};

/** True when Westward's field manager owns node affinity on the target. */
export function westwardOwnsAffinity(target: ManagedTarget): boolean {
  return (target.metadata?.managedFields ?? []).some(
    (m) => m.manager === 'westward' && m.operation === 'Apply' && JSON.stringify(m.fieldsV1 ?? {}).includes('"f:nodeAffinity"'),
  );
}

function applyConfig(fw: FactoryWorkload, target: ManagedTarget, affinity: NodeAffinity | undefined): Parameters<typeof applyWorkload>[1] {
  const config: Parameters<typeof applyWorkload>[1] = {
    apiVersion: 'apps/v1',
    kind: target.kind ?? fw.spec.targetRef.kind,
    metadata: { name: fw.spec.targetRef.name, namespace: fw.metadata?.namespace ?? '' },
  };
  // Without a spec, the apply releases every field Westward owned on the target.
  if (affinity) config.spec = { template: { spec: { affinity: { nodeAffinity: affinity } } } };
  return config;
}

export function createFactoryWorkloadReconciler(
  ctx: OperatorContext,
  forecasts: HubForecasts,
  state: PlacementState,
  options: WorkloadReconcilerOptions,
): (key: string) => Promise<ReconcileResult> {
  const moves = counter(ctx.registry, {
    name: 'westward_placement_moves_total',
    help: 'Moves of workloads between hubs (each is a rollout of the target)',
    labelNames: ['from', 'to'] as const,
  });
  const expectedShare = gauge(ctx.registry, {
    name: 'westward_workload_expected_renewable_share_ratio',
    help: 'Expected renewable share at the planned hub over the dwell window (0..1)',
    labelNames: ['namespace', 'name'] as const,
  });
  const avoidedGrams = gauge(ctx.registry, {
    name: 'westward_workload_avoided_emissions_grams',
    help: 'CO2 avoided against running at the nearest eligible hub, since status.avoidedEmissions.since',
    labelNames: ['namespace', 'name'] as const,
  });

  return async (key: string): Promise<ReconcileResult> => {
    const [namespace = '', name = ''] = key.split('/');
    const fw = ctx.informers.factoryWorkloads.get(key);
    if (!fw) {
      await removeSeries(ctx.registry, { namespace, name });
      return undefined;
    }
    const ref = { group, version, plural: factoryWorkloadPlural, kind: factoryWorkloadKind, name, namespace };
    const regarding = { apiVersion: `${group}/${version}`, kind: factoryWorkloadKind, name, namespace, uid: fw.metadata?.uid };
    const hasFinalizer = fw.metadata?.finalizers?.includes(affinityFinalizer) ?? false;
    const target = targetOf(ctx, fw);

    if (fw.metadata?.deletionTimestamp) {
      if (!hasFinalizer) return undefined;
      if (target && westwardOwnsAffinity(target)) {
        try {
          await applyWorkload(ctx.apps, applyConfig(fw, target, undefined));
          ctx.logger.info({ kind: target.kind, namespace, name: fw.spec.targetRef.name }, 'Removed node affinity from target');
        } catch (error) {
          if (!isNotFound(error)) throw error;
        }
      }
      await setFinalizer(customObjectTarget(ctx.custom, ref), affinityFinalizer, false, { current: fw });
      state.pendingRollouts.delete(key);
      return undefined;
    }
    if (!hasFinalizer) {
      // Its own write; the update it causes brings us back.
      await setFinalizer(customObjectTarget(ctx.custom, ref), affinityFinalizer, true, { current: fw });
      return undefined;
    }

    const now = new Date(ctx.clock.now());
    const previous = fw.status;
    if (!target) {
      const { status, changed } = targetMissingStatus(previous, fw.metadata?.generation, now, `${fw.spec.targetRef.kind} ${fw.spec.targetRef.name}`);
      if (changed) {
        const written = (await applyCustomStatus(ctx.custom, ref, status as Record<string, unknown>)) as { metadata?: { resourceVersion?: string } };
        state.expect(key, written.metadata?.resourceVersion, ctx.informers.factoryWorkloads.get(key)?.metadata?.resourceVersion, now.getTime());
      }
      if (conditionOf(previous?.conditions, 'TargetFound')?.status !== 'False') {
        await ctx.events.record({ regarding, type: 'Warning', reason: 'TargetNotFound', action: 'Place', note: `${fw.spec.targetRef.kind} ${namespace}/${fw.spec.targetRef.name} not found` });
      }
      return undefined;
    }

    const entry = state.entries.get(key);
    // Act only on a plan made from the version of this workload we see, and only once the
    // cache shows our own last write: a plan from before it would undo what we just did.
    if (state.awaiting(key, now.getTime())) return { requeueAfterMs: 200 };
    if (!entry || state.basis.get(key) !== fw.metadata?.resourceVersion) {
      options.requestPlan();
      return { requeueAfterMs: 1_000 };
    }
    const eligibleHubs = state.eligible.get(key) ?? [];
    const terms: HubSelectorTerm[] = [];
    for (const hub of eligibleHubs) {
      const h = ctx.informers.hubs.get(hub);
      if (h) terms.push({ hub, nodeSelector: h.spec.nodeSelector });
    }
    const mode = fw.spec.placement?.mode === 'Shadow' ? 'Shadow' : 'Enforce';
    let hub = previous?.hub ?? null;
    let lastMove = previous?.lastMove;

    if (mode === 'Enforce' && entry.hub !== null && terms.length > 0) {
      const podSpec = target.spec?.template?.spec as { affinity?: { nodeAffinity?: NodeAffinity } } | undefined;
      const applied = podSpec?.affinity?.nodeAffinity;
      const desired = desiredNodeAffinity(terms, [entry.hub, ...entry.fallbacks]);
      const sameRequired = sameAffinity(
        { requiredDuringSchedulingIgnoredDuringExecution: applied?.requiredDuringSchedulingIgnoredDuringExecution },
        { requiredDuringSchedulingIgnoredDuringExecution: desired?.requiredDuringSchedulingIgnoredDuringExecution },
      );
      // Fallback order alone never justifies a rollout: rewrite only for a new planned hub or a
      // new eligible set.
      if (plannedHubOf(applied, terms) !== entry.hub || !sameRequired || !westwardOwnsAffinity(target)) {
        const written = (await applyWorkload(ctx.apps, applyConfig(fw, target, desired))) as { metadata?: { generation?: number } };
        const generation = written.metadata?.generation ?? 0;
        if (generation !== (target.metadata?.generation ?? 0)) state.pendingRollouts.set(key, generation);
        ctx.logger.info({ kind: target.kind, namespace, name: fw.spec.targetRef.name, hub: entry.hub }, 'Patched node affinity');
      }
    } else if (mode === 'Shadow' && westwardOwnsAffinity(target)) {
      // Switched from Enforce to Shadow: give the target back its own affinity.
      await applyWorkload(ctx.apps, applyConfig(fw, target, undefined));
    }

    if (entry.hub !== null && entry.hub !== hub) {
      if (hub !== null) {
        lastMove = { time: now.toISOString(), from: hub, to: entry.hub, reason: entry.reason };
        moves.inc({ from: hub, to: entry.hub });
        await ctx.events.record({ regarding, type: 'Normal', reason: mode === 'Shadow' ? 'WouldMove' : 'Moved', action: 'Place', note: entry.reason });
        ctx.logger.info({ namespace, name, from: hub, to: entry.hub, mode, reason: entry.reason }, 'Moved workload');
      } else {
        await ctx.events.record({ regarding, type: 'Normal', reason: 'Placed', action: 'Place', note: entry.reason });
      }
      hub = entry.hub;
    }

    const replicas = Object.values(entry.replicasByHub).reduce((a, b) => a + b, 0);
    const nearest = eligibleHubs[0];
    const accrual = accrueAvoidedEmissions({
      previous: previous?.avoidedEmissions as Parameters<typeof accrueAvoidedEmissions>[0]['previous'],
      now,
      stepMs: options.accountingStepMs,
      replicas,
      powerPerReplicaW: fw.spec.powerPerReplicaW,
      actual: hub === null ? undefined : state.hubNow.get(hub),
      nearest: nearest === undefined ? undefined : state.hubNow.get(nearest),
    });

    const freshness: FreshnessOfHubs = { stale: [], total: eligibleHubs.length };
    for (const h of eligibleHubs) {
      const source = forecasts.effective(h)?.source ?? 'DeclaredGrid';
      if (source !== 'Live') freshness.stale.push({ hub: h, source });
    }
    const { status, changed } = desiredWorkloadStatus({
      generation: fw.metadata?.generation,
      previous,
      now,
      mode,
      entry,
      eligibleHubs,
      hub,
      lastMove,
      avoided: accrual.record,
      freshness,
    });
    if (changed) {
      const written = (await applyCustomStatus(ctx.custom, ref, status as Record<string, unknown>)) as { metadata?: { resourceVersion?: string } };
      if (written.metadata?.resourceVersion === fw.metadata?.resourceVersion) {
        ctx.logger.warn({ namespace, name }, 'Status write changed nothing; the comparison saw a difference the API server does not');
      }
      state.expect(key, written.metadata?.resourceVersion, ctx.informers.factoryWorkloads.get(key)?.metadata?.resourceVersion, now.getTime());
      await announce(ctx, regarding, previous, status);
    }
    expectedShare.set({ namespace, name }, entry.expected.renewableShare);
    avoidedGrams.set({ namespace, name }, accrual.record.grams);
    return { requeueAfterMs: Math.max(1_000, accrual.nextDueMs - now.getTime()) };
  };
}

async function announce(
  ctx: OperatorContext,
  regarding: { apiVersion: string; kind: string; name: string; namespace: string; uid?: string | undefined },
  previous: FactoryWorkloadStatus | undefined,
  next: FactoryWorkloadStatus,
): Promise<void> {
  const conditions = (s: FactoryWorkloadStatus | undefined, t: string): Condition | undefined =>
    conditionOf(s?.conditions, t);
  const freshBefore = conditions(previous, 'ForecastFresh');
  const freshAfter = conditions(next, 'ForecastFresh');
  if (freshAfter?.status === 'False' && freshBefore?.status !== 'False') {
    await ctx.events.record({ regarding, type: 'Warning', reason: 'ForecastStale', action: 'Place', note: freshAfter.message });
  }
  const placedBefore = conditions(previous, 'Placed');
  const placedAfter = conditions(next, 'Placed');
  if (placedAfter?.status === 'False' && (placedBefore?.status !== 'False' || placedBefore.reason !== placedAfter.reason)) {
    await ctx.events.record({ regarding, type: 'Warning', reason: placedAfter.reason, action: 'Place', note: placedAfter.message });
  }
}

// FactoryWorkload controller (factoryworkload.placement): level-triggered. Gather (caches and the
// plan snapshot) → decide (pure, decide.ts) → write: the target's node affinity and record
// (Enforce), at most one pod eviction when settling, its own status, events on transitions.
// Finalizer first; deletion gives the target back exactly what it had. Nothing is written when
// nothing changed.
import { PatchStrategy, setHeaderOptions, type V1Deployment, type V1Eviction, type V1ObjectMeta, type V1StatefulSet } from '@kubernetes/client-node';
import type { FactoryWorkload, FactoryWorkloadStatus } from '../../api/index.ts';
import { affinityFinalizer, factoryWorkloadKind, factoryWorkloadPlural, group, version } from '../../api/index.ts';
import { workloadDemand } from '../../model/demand.ts';
import type { Node } from '../../model/kube.ts';
import { counter } from '../../observability/metrics.ts';
import { createWorkloadMetrics, type WorkloadIdentity } from '../../observability/workload-metrics.ts';
import { applyCustomStatus, applyWorkload, customObjectTarget, setFinalizer, type ApplyConfiguration } from '../../runtime/apply.ts';
import type { ReconcileResult } from '../../runtime/controller.ts';
import { callApi, isNotFound, toApiError } from '../../runtime/errors.ts';
import { failpoint } from '../../runtime/failpoint.ts';
import { plain } from '../../runtime/plain.ts';
import type { EventRegarding } from '../../runtime/events.ts';
import { conditionOf, type Condition } from '../conditions.ts';
import type { OperatorContext } from '../context.ts';
import type { HubForecasts } from '../hub/forecasts.ts';
import { claimants, targetKeyOf } from '../placement/claims.ts';
import { planBasis, targetOf, type PlacementState } from '../placement/planning.ts';
import type { Target } from '../placement/gather.ts';
import type { HubSelectorTerm, NodeAffinity } from './affinity.ts';
import { accrueAvoidedEmissions } from './avoided-emissions.ts';
import { decide, reportedPlacement, type Decision, type DecideInput, type TargetWrite } from './decide.ts';
import { hubHasRoomForOne, observePlacement, podsOf } from './observed.ts';
import { otherAffinityOwners, westwardOwnsAffinity } from './ownership.ts';
import { rolloutComplete } from './rollout.ts';
import { ownAffinityAnnotation, placedByAnnotation, placementAnnotation, readTargetRecord, recordAnnotations } from './target-record.ts';
import { desiredWorkloadStatus, targetMissingStatus, type FreshnessOfHubs } from './status.ts';

export interface WorkloadReconcilerOptions {
  /** avoided emissions are accounted in steps of this length */
  accountingStepMs: number;
  /** asks the placement controller to plan now */
  requestPlan: () => void;
}

/** The manager that gives a target back its own node affinity on release. */
export const restoreFieldManager = 'westward-restore';
/** Evictions one workload may make while settling, per window (the replacement may land badly). */
const settleBudget = { evictions: 3, windowMs: 10 * 60_000 };

const mergePatchHeader = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

function applyConfig(fw: FactoryWorkload, target: Target, write: Extract<TargetWrite, { kind: 'apply' }> | undefined): ApplyConfiguration {
  const config: ApplyConfiguration = {
    apiVersion: 'apps/v1',
    kind: target.kind ?? fw.spec.targetRef.kind,
    metadata: { name: fw.spec.targetRef.name, namespace: fw.metadata?.namespace ?? '' },
  };
  // Without fields, the apply releases every field Westward owned on the target.
  if (write) {
    config.metadata.annotations = recordAnnotations(fw.metadata?.name ?? '', write.own, write.record);
    config.spec = { template: { spec: { affinity: { nodeAffinity: write.affinity } } } };
  }
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
  const evictions = counter(ctx.registry, {
    name: 'westward_placement_settle_evictions_total',
    help: 'Pods evicted so the scheduler can fill a greener planned hub that has room',
    labelNames: ['from', 'to'] as const,
  });
  const workloadMetrics = createWorkloadMetrics(ctx.registry);
  // In memory only: a refused write is retried when what we would write changes or after a
  // restart; the settle budget bounds evictions when a replacement keeps landing elsewhere.
  const refusals = new Map<string, { affinity: string; message: string }>();
  const settles = new Map<string, { count: number; sinceMs: number }>();

  async function writeStatus(key: string, ref: Parameters<typeof applyCustomStatus>[1], status: FactoryWorkloadStatus, nowMs: number): Promise<void> {
    const written = (await applyCustomStatus(ctx.custom, ref, status as Record<string, unknown>)) as { metadata?: { resourceVersion?: string } };
    state.expect(key, written.metadata?.resourceVersion, ctx.informers.factoryWorkloads.get(key)?.metadata?.resourceVersion, nowMs);
  }

  /** Gives the target back its own node affinity and drops Westward's record and fields. */
  async function release(fw: FactoryWorkload, target: Target, own: NodeAffinity | null | undefined): Promise<void> {
    const namespace = fw.metadata?.namespace ?? '';
    const name = fw.spec.targetRef.name;
    try {
      if (own) {
        // A merge patch by another manager takes the fields over with the target's own values;
        // the empty apply after it then releases nothing the target had.
        const body = {
          metadata: { annotations: { [placedByAnnotation]: null, [ownAffinityAnnotation]: null, [placementAnnotation]: null } },
          spec: { template: { spec: { affinity: { nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: own.requiredDuringSchedulingIgnoredDuringExecution ?? null,
            preferredDuringSchedulingIgnoredDuringExecution: own.preferredDuringSchedulingIgnoredDuringExecution ?? null,
          } } } } },
        };
        if (target.kind === 'StatefulSet') {
          await callApi(() => ctx.apps.patchNamespacedStatefulSet({ name, namespace, body: plain<V1StatefulSet>(body), fieldManager: restoreFieldManager }, mergePatchHeader));
        } else {
          await callApi(() => ctx.apps.patchNamespacedDeployment({ name, namespace, body: plain<V1Deployment>(body), fieldManager: restoreFieldManager }, mergePatchHeader));
        }
      }
      await applyWorkload(ctx.apps, applyConfig(fw, target, undefined));
      ctx.logger.info({ kind: target.kind, namespace, name }, 'Gave the target back its own node affinity');
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }

  async function evict(namespace: string, pod: string): Promise<boolean> {
    try {
      await callApi(() => ctx.core.createNamespacedPodEviction({ name: pod, namespace, body: plain<V1Eviction>({ apiVersion: 'policy/v1', kind: 'Eviction', metadata: plain<V1ObjectMeta>({ name: pod, namespace }) }) }));
      return true;
    } catch (error) {
      const e = toApiError(error);
      // 429: a PodDisruptionBudget forbids it now; the next pass tries again.
      if (e.kind === 'TooManyRequests' || e.kind === 'NotFound') return false;
      throw error;
    }
  }

  function settleAllowed(key: string, nowMs: number): boolean {
    const s = settles.get(key);
    if (!s || nowMs - s.sinceMs > settleBudget.windowMs) return true;
    return s.count < settleBudget.evictions;
  }

  function countSettle(key: string, nowMs: number): void {
    const s = settles.get(key);
    if (!s || nowMs - s.sinceMs > settleBudget.windowMs) settles.set(key, { count: 1, sinceMs: nowMs });
    else s.count++;
  }

  return async (key: string): Promise<ReconcileResult> => {
    const [namespace = '', name = ''] = key.split('/');
    const fw = ctx.informers.factoryWorkloads.get(key);
    if (!fw) {
      refusals.delete(key);
      settles.delete(key);
      await workloadMetrics.forget(namespace, name);
      return undefined;
    }
    const ref = { group, version, plural: factoryWorkloadPlural, kind: factoryWorkloadKind, name, namespace };
    const regarding: EventRegarding = { apiVersion: `${group}/${version}`, kind: factoryWorkloadKind, name, namespace, uid: fw.metadata?.uid };
    const hasFinalizer = fw.metadata?.finalizers?.includes(affinityFinalizer) ?? false;
    const target = targetOf(ctx, fw);
    const record = readTargetRecord(target?.metadata?.annotations);

    if (fw.metadata?.deletionTimestamp) {
      if (!hasFinalizer) return undefined;
      // Only the FactoryWorkload that placed the target gives it back.
      if (target && record.placedBy === name) await release(fw, target, record.own);
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
    const identity: WorkloadIdentity = { namespace, name, factoryRegion: fw.spec.factory.region, powerPerReplicaW: fw.spec.powerPerReplicaW };
    if (!target) {
      const { status, changed } = targetMissingStatus(previous, fw.metadata?.generation, now, `${fw.spec.targetRef.kind} ${fw.spec.targetRef.name}`);
      if (changed) await writeStatus(key, ref, status, now.getTime());
      workloadMetrics.report(identity, status);
      if (conditionOf(previous?.conditions, 'TargetFound')?.status !== 'False') {
        await ctx.events.record({ regarding, type: 'Warning', reason: 'TargetNotFound', action: 'Place', note: `${fw.spec.targetRef.kind} ${namespace}/${fw.spec.targetRef.name} not found` });
      }
      return undefined;
    }
    // Act only once the cache shows our own last status write: a decision on an older status
    // would record a move or an event twice.
    if (state.awaiting(key, now.getTime())) return { requeueAfterMs: 200 };

    const mode = fw.spec.placement?.mode === 'Shadow' ? 'Shadow' : 'Enforce';
    const sameTarget = ctx.informers.factoryWorkloads.list().filter((o) => targetKeyOf(o) === targetKeyOf(fw));
    const holder = claimants(sameTarget, (o) => targetOf(ctx, o)).get(targetKeyOf(fw));
    const claimedByOther = holder !== undefined && holder !== name ? holder : undefined;

    const snapshot = state.snapshot;
    const entry = snapshot?.entries.get(key);
    const facts = snapshot?.facts.get(key);
    // Act only on a plan made from the workload and target versions we see now.
    if (claimedByOther === undefined && (!snapshot || !entry || !facts || snapshot.basis.get(key) !== planBasis(fw, target))) {
      options.requestPlan();
      return { requeueAfterMs: 1_000 };
    }

    const hubs = ctx.informers.hubs.list();
    const hubByName = new Map(hubs.map((h) => [h.metadata?.name ?? '', h]));
    const eligible: HubSelectorTerm[] = [];
    for (const hub of facts?.eligible ?? []) {
      const h = hubByName.get(hub);
      if (h) eligible.push({ hub, nodeSelector: h.spec.nodeSelector });
    }
    const nodes = ctx.informers.nodes.list() as Node[];
    const pods = ctx.informers.pods.list();
    const observed = observePlacement(podsOf(pods, namespace, target.spec?.selector?.matchLabels), new Map(nodes.map((n) => [n.metadata?.name ?? '', n])), hubs);
    const perReplica = workloadDemand(target.spec?.template);
    const hubsWithRoom = new Set(
      Object.keys(entry?.replicasByHub ?? {}).filter((h) => {
        const hub = hubByName.get(h);
        return hub !== undefined && hubHasRoomForOne(hub, nodes, pods, perReplica);
      }),
    );

    const input: DecideInput = {
      now,
      name,
      namespace,
      generation: fw.metadata?.generation,
      mode,
      previous,
      target: {
        kind: target.kind ?? fw.spec.targetRef.kind,
        name: fw.spec.targetRef.name,
        replicas: target.spec?.replicas ?? 1,
        rolloutDone: rolloutComplete(target),
        applied: target.spec?.template?.spec?.affinity?.nodeAffinity,
        record,
        owners: otherAffinityOwners(target.metadata?.managedFields),
        westwardOwns: westwardOwnsAffinity(target.metadata?.managedFields),
      },
      claimedByOther,
      plan: {
        entry: entry ?? { key, hub: null, fallbacks: [], replicasByHub: {}, expected: { renewableShare: 0, carbonIntensity: 0 }, moved: false, reason: previous?.reason ?? '' },
        eligible,
        excludedByOwnRules: facts?.excludedByOwnRules ?? [],
        heldForData: facts?.heldForData ?? [],
      },
      observed,
      hubsWithRoom,
      settleAllowed: settleAllowed(key, now.getTime()),
      refused: refusals.get(key),
    };
    let decision: Decision = decide(input);

    if (decision.write?.kind === 'apply') {
      const write = decision.write;
      const moving = write.record.from !== undefined && write.record.at === now.toISOString();
      if (moving) failpoint('move-before-patch');
      try {
        const written = (await applyWorkload(ctx.apps, applyConfig(fw, target, write), { force: write.force })) as { metadata?: { generation?: number } };
        refusals.delete(key);
        const generation = written.metadata?.generation ?? 0;
        if (generation !== (target.metadata?.generation ?? 0)) state.pendingRollouts.set(key, generation);
        ctx.logger.info({ kind: target.kind, namespace, name: fw.spec.targetRef.name, hub: write.record.hub, fill: write.record.fill }, 'Patched node affinity');
        if (moving) failpoint('move-after-patch');
      } catch (error) {
        const e = toApiError(error);
        if (e.kind !== 'Invalid' && e.kind !== 'BadRequest' && e.kind !== 'Forbidden') throw error;
        // Refused for good: say so instead of retrying the same write in a loop.
        refusals.set(key, { affinity: write.key, message: e.message });
        ctx.logger.warn({ kind: target.kind, namespace, name: fw.spec.targetRef.name, err: e.message }, 'The API server refused the node affinity');
        decision = decide({ ...input, refused: refusals.get(key) });
      }
    } else if (decision.write?.kind === 'release') {
      await release(fw, target, decision.write.own);
    }
    if (decision.evict && (await evict(namespace, decision.evict.pod))) {
      countSettle(key, now.getTime());
      evictions.inc({ from: decision.evict.from, to: decision.evict.to });
      ctx.logger.info({ namespace, name, pod: decision.evict.pod, from: decision.evict.from, to: decision.evict.to }, 'Evicted a pod to fill a greener planned hub');
    }

    const planEntry = input.plan.entry;
    const { hub, lastMove } = reportedPlacement(decision, mode, planEntry.hub, previous);
    const eligibleHubs = facts?.eligible ?? [];
    const replicas = Object.values(observed.readyByHub).reduce((a, b) => a + b, 0);
    const accrual = accrueAvoidedEmissions({
      previous: previous?.avoidedEmissions,
      now,
      stepMs: options.accountingStepMs,
      replicas,
      powerPerReplicaW: fw.spec.powerPerReplicaW,
      actual: hub === null ? undefined : snapshot?.hubNow.get(hub),
      nearest: eligibleHubs[0] === undefined ? undefined : snapshot?.hubNow.get(eligibleHubs[0]),
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
      entry: planEntry,
      eligibleHubs,
      hub,
      lastMove,
      placed: decision.placed,
      reason: decision.reason,
      observed: observed.readyByHub,
      avoided: accrual.record,
      freshness,
    });
    // A move's event goes first, under a name of its own: a crash before the status write
    // repeats the attempt, which finds it there. Other events follow the status they announce.
    for (const e of decision.events.filter((x) => x.once !== undefined)) {
      await ctx.events.record({ regarding, type: e.type, reason: e.reason, action: 'Place', note: e.note, once: e.once });
    }
    if (changed) await writeStatus(key, ref, status, now.getTime());
    if (decision.moved) failpoint('move-after-status');
    if (decision.moved) {
      moves.inc({ from: decision.moved.from, to: decision.moved.to });
      ctx.logger.info({ namespace, name, from: decision.moved.from, to: decision.moved.to, reason: decision.moved.reason }, 'Moved workload');
    }
    for (const e of decision.events.filter((x) => x.once === undefined)) {
      await ctx.events.record({ regarding, type: e.type, reason: e.reason, action: 'Place', note: e.note });
    }
    if (changed) await announce(ctx, regarding, previous, status);
    workloadMetrics.report(identity, status);
    // While pods settle, look again soon: pod changes alone do not wake this controller.
    if (decision.placed.reason === 'Settling' || decision.evict !== undefined) return { requeueAfterMs: 5_000 };
    return { requeueAfterMs: Math.max(1_000, accrual.nextDueMs - now.getTime()) };
  };
}

/** Warnings for a Placed=False that needs a person; settling while pods roll is not one. */
async function announce(ctx: OperatorContext, regarding: EventRegarding, previous: FactoryWorkloadStatus | undefined, next: FactoryWorkloadStatus): Promise<void> {
  const conditions = (s: FactoryWorkloadStatus | undefined, t: string): Condition | undefined => conditionOf(s?.conditions, t);
  const freshBefore = conditions(previous, 'ForecastFresh');
  const freshAfter = conditions(next, 'ForecastFresh');
  if (freshAfter?.status === 'False' && freshBefore?.status !== 'False') {
    await ctx.events.record({ regarding, type: 'Warning', reason: 'ForecastStale', action: 'Place', note: freshAfter.message });
  }
  const placedBefore = conditions(previous, 'Placed');
  const placedAfter = conditions(next, 'Placed');
  if (placedAfter?.status === 'False' && placedAfter.reason !== 'Settling' && (placedBefore?.status !== 'False' || placedBefore.reason !== placedAfter.reason)) {
    await ctx.events.record({ regarding, type: 'Warning', reason: placedAfter.reason, action: 'Place', note: placedAfter.message });
  }
}

// Placement controller (placement.plan): one global key. It gathers the world from the caches,
// plans in a worker thread, publishes the plan as one immutable snapshot for the FactoryWorkload
// reconciler to read, and enqueues every workload. The plan is global because hubs' capacity is
// shared.
import type { FactoryWorkload } from '../../api/index.ts';
import { gauge, histogram } from '../../observability/metrics.ts';
import type { PlannerWorker } from '../../placement/worker.ts';
import type { PlannerLimits, WorkloadPlan } from '../../placement/types.ts';
import type { ReconcileResult } from '../../runtime/controller.ts';
import type { OperatorContext } from '../context.ts';
import type { HubForecasts } from '../hub/forecasts.ts';
import { gather, movesIntoMissingData, type HubNow, type Target, type WorkloadFacts } from './gather.ts';

export const planKey = 'plan';

export interface PlacementOptions {
  limits: PlannerLimits;
  /** how often to plan again without any change (dwell windows end, slots turn) */
  intervalMs: number;
  /** FactoryWorkloads in these namespaces only; empty means all but excludedUnlessNamed */
  namespaces: readonly string[];
}

/** One plan and the facts it was made from; replaced whole, never changed. */
export interface PlanSnapshot {
  readonly entries: ReadonlyMap<string, WorkloadPlan>;
  readonly facts: ReadonlyMap<string, WorkloadFacts>;
  readonly hubNow: ReadonlyMap<string, HubNow>;
  /** per workload, the versions the plan saw: FactoryWorkload generation and target generation */
  readonly basis: ReadonlyMap<string, string>;
  readonly computedAtMs: number;
}

/** The version of a workload and its target that a plan entry holds for. */
export function planBasis(fw: FactoryWorkload, target: Target | undefined): string {
  return `${String(fw.metadata?.generation ?? 0)}/${String(target?.metadata?.generation ?? 0)}`;
}

/** What the planning and FactoryWorkload controllers share. */
export class PlacementState {
  #snapshot: PlanSnapshot | undefined;
  /** workloads written by a move whose target has not observed it yet: key → generation */
  readonly pendingRollouts = new Map<string, number>();
  /**
   * Our own FactoryWorkload writes the cache has not shown yet: key → resourceVersion. Until
   * the watch delivers that version the cache is older than the API's answer, and the reconciler
   * may not act on it (client-go's "expectations").
   */
  readonly expected = new Map<string, { resourceVersion: string; atMs: number }>();

  get snapshot(): PlanSnapshot | undefined {
    return this.#snapshot;
  }

  publish(snapshot: PlanSnapshot): void {
    this.#snapshot = snapshot;
  }

  /**
   * After a write: `written` is the version the API answered, `cachedNow` the one the cache holds
   * at this moment. Equal means the watch has delivered it already (it can arrive before the
   * write's own answer is handled), or the write changed nothing: nothing to wait for.
   */
  expect(key: string, written: string | undefined, cachedNow: string | undefined, nowMs: number): void {
    if (!written || written === cachedNow) return;
    this.expected.set(key, { resourceVersion: written, atMs: nowMs });
  }

  /** Called for every FactoryWorkload the watch delivers. */
  observed(key: string, resourceVersion: string | undefined): void {
    if (this.expected.get(key)?.resourceVersion === resourceVersion) this.expected.delete(key);
  }

  /** Called when a FactoryWorkload is gone: nothing of it is awaited any more. */
  forget(key: string): void {
    this.expected.delete(key);
    this.pendingRollouts.delete(key);
  }

  /** True while a write of ours is not in the cache yet (given up after a while, to self-heal). */
  awaiting(key: string, nowMs: number): boolean {
    const e = this.expected.get(key);
    if (!e) return false;
    if (nowMs - e.atMs > expectationTimeoutMs) {
      this.expected.delete(key);
      return false;
    }
    return true;
  }
}

const expectationTimeoutMs = 30_000;

export function targetOf(ctx: OperatorContext, fw: FactoryWorkload): Target | undefined {
  const ns = fw.metadata?.namespace ?? '';
  const key = `${ns}/${fw.spec.targetRef.name}`;
  return (fw.spec.targetRef.kind === 'StatefulSet'
    ? ctx.informers.statefulSets.get(key)
    : ctx.informers.deployments.get(key));
}

/** Namespaces Westward never acts in unless --namespace names them: the cluster's own workloads. */
export const excludedUnlessNamed: readonly string[] = ['kube-system'];

/** Whether a FactoryWorkload (and so its target, which lives beside it) is Westward's to place. */
export function inScope(options: Pick<PlacementOptions, 'namespaces'>, fw: FactoryWorkload): boolean {
  const ns = fw.metadata?.namespace ?? '';
  return options.namespaces.length === 0 ? !excludedUnlessNamed.includes(ns) : options.namespaces.includes(ns);
}

export function createPlanningReconciler(
  ctx: OperatorContext,
  forecasts: HubForecasts,
  worker: PlannerWorker,
  state: PlacementState,
  options: PlacementOptions,
  enqueueWorkload: (key: string) => void,
): () => Promise<ReconcileResult> {
  const duration = histogram(ctx.registry, {
    name: 'westward_planner_duration_seconds',
    help: 'Time to plan every workload, in the planner thread',
    labelNames: [] as const,
  });
  const movesInProgress = gauge(ctx.registry, {
    name: 'westward_placement_moves_in_progress',
    help: 'Moves the planner counts against --max-concurrent-moves: rollouts in progress and moves held for data',
  });
  gauge(ctx.registry, {
    name: 'westward_placement_max_concurrent_moves',
    help: 'The move budget: --max-concurrent-moves',
  }).set(options.limits.maxConcurrentMoves);
  return async () => {
    // Plan on real forecasts only: before every hub's first fetch the plan would differ from
    // the one the previous operator process wrote.
    if (ctx.informers.hubs.list().some((h) => !forecasts.attempted(h.metadata?.name ?? ''))) {
      return { requeueAfterMs: 1_000 };
    }
    const nowMs = ctx.clock.now();
    const workloads = ctx.informers.factoryWorkloads.list().filter((fw) => inScope(options, fw));
    const keyOf = (fw: FactoryWorkload): string => `${fw.metadata?.namespace ?? ''}/${fw.metadata?.name ?? ''}`;
    // A pending rollout ends when the target's controller has seen our write.
    for (const [key, generation] of state.pendingRollouts) {
      const fw = ctx.informers.factoryWorkloads.get(key);
      const target = fw ? targetOf(ctx, fw) : undefined;
      if (!target || (target.status?.observedGeneration ?? 0) >= generation) state.pendingRollouts.delete(key);
    }
    const gathered = gather({
      nowMs,
      hubs: ctx.informers.hubs.list(),
      nodes: ctx.informers.nodes.list(),
      pods: ctx.informers.pods.list(),
      workloads,
      targetOf: (fw) => targetOf(ctx, fw),
      forecastOf: (hub) => forecasts.effective(hub),
      limits: options.limits,
      pendingRollouts: new Set(state.pendingRollouts.keys()),
    });
    movesInProgress.set(gathered.input.movesInProgress.length);
    const started = performance.now();
    let plan = await worker.plan(gathered.input);
    // A move into a hub without live data is held back and the rest planned again (the held
    // workloads grow each round, so this ends).
    for (let round = 0; round < 3; round++) {
      const held = movesIntoMissingData(plan, gathered).filter((k) => !gathered.input.movesInProgress.includes(k));
      if (held.length === 0) break;
      gathered.input.movesInProgress = [...gathered.input.movesInProgress, ...held].sort();
      plan = await worker.plan(gathered.input);
    }
    duration.observe((performance.now() - started) / 1000);

    state.publish(Object.freeze({
      entries: new Map(plan.workloads.map((w) => [w.key, w])),
      facts: gathered.facts,
      hubNow: gathered.hubNow,
      basis: new Map(workloads.map((fw) => [keyOf(fw), planBasis(fw, targetOf(ctx, fw))])),
      computedAtMs: nowMs,
    }));
    for (const fw of workloads) enqueueWorkload(keyOf(fw));
    ctx.logger.debug({ workloads: plan.workloads.length, moves: plan.workloads.filter((w) => w.moved).length }, 'Planned');
    return { requeueAfterMs: options.intervalMs };
  };
}

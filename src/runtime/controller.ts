// The controller loop: informer events, mapped to primary keys, feed a work queue; workers call
// the reconciler with a key and act on its answer (controller-runtime's reconcile contract):
//   result with requeueAfterMs > 0  → come back then (known wait), failure count reset;
//   result undefined / no delay     → done, failure count reset;
//   throws a conflict (409)         → quiet requeue with backoff, logged at debug;
//   throws TerminalError / invalid  → not retried, logged as an error;
//   throws anything else            → per-key exponential backoff.
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { counter, gauge, histogram } from '../observability/metrics.ts';
import type { BackoffPolicy } from './backoff.ts';
import { systemClock, type Clock } from './clock.ts';
import { TerminalError, toApiError } from './errors.ts';
import { objectKey, type InformerCache, type KubeObject } from './informer.ts';
import { runWorkers, WorkQueue } from './workqueue.ts';

export type ReconcileResult = { requeueAfterMs?: number } | undefined;
export type Reconciler = (key: string) => Promise<ReconcileResult>;

/** Maps a watched object to the keys of the primary objects it affects. */
export type KeyMapper<T> = (obj: T) => Iterable<string>;

export type ReconcileOutcome = 'success' | 'requeue' | 'conflict' | 'error' | 'terminal';

export interface ControllerOptions {
  /** Dotted name used in logs and metrics, e.g. "factoryworkload.placement". */
  readonly name: string;
  readonly reconcile: Reconciler;
  readonly concurrency?: number;
  readonly logger: Logger;
  readonly registry: Registry;
  readonly clock?: Clock;
  readonly backoff?: BackoffPolicy;
}

interface Source {
  readonly informer: { hasSynced(): boolean; waitForSync(signal?: AbortSignal): Promise<void> };
}

/** Classifies a reconcile failure; exported for tests and for callers with their own loop. */
export function classifyFailure(err: unknown): 'conflict' | 'terminal' | 'error' {
  if (err instanceof TerminalError) return 'terminal';
  const apiError = toApiError(err);
  if (apiError.retry === 'quiet') return 'conflict';
  // NotFound escaping a reconcile is usually a race with a deletion: retry, the next pass sees it.
  if (apiError.retry === 'terminal' && apiError.kind !== 'NotFound') return 'terminal';
  return 'error';
}

export class Controller {
  readonly name: string;
  readonly queue: WorkQueue;
  readonly #opts: ControllerOptions;
  readonly #log: Logger;
  readonly #clock: Clock;
  readonly #sources: Source[] = [];
  #running: Promise<void> | undefined;
  readonly #stopSignal = new AbortController();
  readonly #metrics;

  constructor(options: ControllerOptions) {
    this.name = options.name;
    this.#opts = options;
    this.#clock = options.clock ?? systemClock;
    this.#log = options.logger.child({ controller: options.name });
    const registry = options.registry;
    this.#metrics = {
      total: counter(registry, {
        name: 'westward_controller_reconcile_total',
        help: 'Reconciles by controller and result (success, requeue, conflict, error, terminal).',
        labelNames: ['controller', 'result'],
      }),
      duration: histogram(registry, {
        name: 'westward_controller_reconcile_duration_seconds',
        help: 'Time spent in one reconcile.',
        labelNames: ['controller'],
      }),
      depth: gauge(registry, {
        name: 'westward_controller_queue_depth',
        help: 'Keys waiting in the work queue.',
        labelNames: ['controller'],
      }),
      inFlight: gauge(registry, {
        name: 'westward_controller_reconciles_in_flight',
        help: 'Reconciles running now.',
        labelNames: ['controller'],
      }),
    };
    this.#metrics.depth.set({ controller: this.name }, 0);
    this.queue = new WorkQueue({
      clock: this.#clock,
      ...(options.backoff !== undefined ? { backoff: options.backoff } : {}),
      onDepth: (depth) => {
        this.#metrics.depth.set({ controller: this.name }, depth);
      },
    });
  }

  /**
   * Enqueues keys for events of `informer`. Without `map`, the object's own key (it is the
   * primary kind). Deletions are mapped too: the reconciler finds the object gone and cleans up.
   * With `significant`, a change is passed on only when that view of the object changed.
   */
  watch<T extends KubeObject>(informer: InformerCache<T>, map?: KeyMapper<T>, significant?: (obj: T) => unknown): this {
    const toKeys = map ?? ((obj: T) => [objectKey(obj)]);
    const enqueue = (obj: T): void => {
      for (const key of toKeys(obj)) this.queue.add(key);
    };
    // A change that leaves what this controller reacts to as it was (a heartbeat, our own
    // status write) wakes nobody.
    const onChange = (obj: T, old?: T): void => {
      if (significant && old !== undefined && JSON.stringify(significant(old)) === JSON.stringify(significant(obj))) return;
      enqueue(obj);
    };
    informer.onChange(onChange).onDelete(enqueue);
    this.#sources.push({ informer });
    return this;
  }

  /** Enqueues a key directly (e.g. from a poller's callback). */
  enqueue(key: string, afterMs = 0): void {
    this.queue.addAfter(key, afterMs);
  }

  /** Waits for the watched informers to sync, then runs the workers until stop(). */
  start(): Promise<void> {
    this.#running ??= this.#run();
    return this.#running;
  }

  /** Stops taking work; with `drain` (default) finishes waiting keys first. */
  async stop(options: { drain?: boolean } = {}): Promise<void> {
    this.#stopSignal.abort();
    const drained = this.queue.shutDown(options);
    await Promise.all([drained, this.#running]);
  }

  async #run(): Promise<void> {
    await Promise.all(this.#sources.map((s) => s.informer.waitForSync(this.#stopSignal.signal)));
    if (this.#stopSignal.signal.aborted) return;
    this.#log.info({ workers: this.#opts.concurrency ?? 1 }, 'Starting workers');
    await runWorkers(this.queue, this.#opts.concurrency ?? 1, (key) => this.#process(key));
    this.#log.info('Stopped workers');
  }

  async #process(key: string): Promise<void> {
    const labels = { controller: this.name };
    const started = this.#clock.now();
    const endTimer = this.#metrics.duration.startTimer(labels);
    this.#metrics.inFlight.inc(labels);
    let outcome: ReconcileOutcome;
    try {
      const result = await this.#opts.reconcile(key);
      const after = result?.requeueAfterMs ?? 0;
      this.queue.forget(key);
      if (after > 0) {
        this.queue.addAfter(key, after);
        outcome = 'requeue';
      } else {
        outcome = 'success';
      }
      this.#log.debug({ key, requeueAfterMs: after > 0 ? after : undefined, durationMs: this.#clock.now() - started }, 'Reconciled');
    } catch (err) {
      outcome = classifyFailure(err);
      if (outcome === 'terminal') {
        this.queue.forget(key);
        this.#log.error({ key, err }, 'Reconciler error, not retrying');
      } else {
        const delay = this.queue.addRateLimited(key);
        const requeues = this.queue.numRequeues(key);
        if (outcome === 'conflict') this.#log.debug({ key, delayMs: delay }, 'Conflict, requeueing');
        else this.#log.error({ key, err, delayMs: delay, requeues }, 'Reconciler error');
      }
    } finally {
      endTimer();
      this.#metrics.inFlight.dec(labels);
    }
    this.#metrics.total.inc({ ...labels, result: outcome });
  }
}

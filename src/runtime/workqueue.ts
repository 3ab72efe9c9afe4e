// A rate-limited work queue of object keys with the semantics of client-go's workqueue:
// a key waits at most once, one key is never processed by two workers at the same time, and a
// key added while it is being processed runs again after it is done.
import { backoffDelay, type BackoffPolicy } from './backoff.ts';
import { systemClock, type CancelTimer, type Clock } from './clock.ts';

export interface WorkQueueOptions {
  readonly clock?: Clock;
  /** Per-key backoff for failed items (addRateLimited). Default 500 ms doubling to 5 min. */
  readonly backoff?: BackoffPolicy;
  /** Called with the number of waiting keys whenever it changes (for a depth gauge). */
  readonly onDepth?: (depth: number) => void;
}

export const defaultQueueBackoff: BackoffPolicy = { baseMs: 500, maxMs: 5 * 60_000 };

interface Delayed {
  readonly due: number;
  readonly cancel: CancelTimer;
}

export class WorkQueue {
  readonly #clock: Clock;
  readonly #backoff: BackoffPolicy;
  readonly #onDepth: ((depth: number) => void) | undefined;
  /** Keys ready to be handed out, in order. Every key here is also in #dirty. */
  #queue: string[] = [];
  /** Keys that need processing (queued, or re-added while processing). */
  readonly #dirty = new Set<string>();
  readonly #processing = new Set<string>();
  readonly #delayed = new Map<string, Delayed>();
  readonly #failures = new Map<string, number>();
  #getters: ((key: string | undefined) => void)[] = [];
  #shuttingDown = false;
  /** Shut down without drain: keys re-added during processing are dropped too. */
  #dropping = false;
  #drainWaiters: (() => void)[] = [];

  constructor(options: WorkQueueOptions = {}) {
    this.#clock = options.clock ?? systemClock;
    this.#backoff = options.backoff ?? defaultQueueBackoff;
    this.#onDepth = options.onDepth;
  }

  /** Marks `key` as needing processing. A key already waiting is not queued twice. */
  add(key: string): void {
    if (this.#shuttingDown || this.#dirty.has(key)) return;
    this.#dirty.add(key);
    // A key in flight goes back in the queue only when its worker calls done().
    if (this.#processing.has(key)) return;
    this.#queue.push(key);
    this.#depthChanged();
    this.#dispatch();
  }

  /** Adds `key` after `delayMs`. Of several pending delays for one key the earliest wins. */
  addAfter(key: string, delayMs: number): void {
    if (this.#shuttingDown) return;
    if (delayMs <= 0) {
      this.add(key);
      return;
    }
    const due = this.#clock.now() + delayMs;
    const existing = this.#delayed.get(key);
    if (existing !== undefined) {
      if (existing.due <= due) return;
      existing.cancel();
    }
    const cancel = this.#clock.setTimeout(() => {
      this.#delayed.delete(key);
      this.add(key);
    }, delayMs);
    this.#delayed.set(key, { due, cancel });
  }

  /** Adds `key` after its exponential backoff; each call without forget() doubles it. */
  addRateLimited(key: string): number {
    const failures = this.#failures.get(key) ?? 0;
    this.#failures.set(key, failures + 1);
    const delay = backoffDelay(this.#backoff, failures + 1);
    this.addAfter(key, delay);
    return delay;
  }

  /** Clears the failure count of `key` (call after a successful pass). */
  forget(key: string): void {
    this.#failures.delete(key);
  }

  /** How many times `key` failed since it was last forgotten. */
  numRequeues(key: string): number {
    return this.#failures.get(key) ?? 0;
  }

  /** Waiting keys (not counting delayed or in-flight ones). */
  len(): number {
    return this.#queue.length;
  }

  /** Keys being processed right now. */
  inFlight(): number {
    return this.#processing.size;
  }

  /** Keys scheduled for later. */
  delayedCount(): number {
    return this.#delayed.size;
  }

  isShuttingDown(): boolean {
    return this.#shuttingDown;
  }

  /**
   * The next key to process; resolves `undefined` once the queue is shut down and empty.
   * The caller must call done(key) when finished.
   */
  get(): Promise<string | undefined> {
    return new Promise((resolve) => {
      this.#getters.push(resolve);
      this.#dispatch();
    });
  }

  /** Ends processing of `key`; a key re-added meanwhile is queued again now. */
  done(key: string): void {
    this.#processing.delete(key);
    if (this.#dropping) this.#dirty.delete(key);
    if (this.#dirty.has(key)) {
      this.#queue.push(key);
      this.#depthChanged();
    }
    this.#dispatch();
  }

  /**
   * Stops accepting keys and cancels delayed ones. With `drain` (the default) keys already
   * waiting are still handed out; without it they are dropped. Resolves when nothing is waiting
   * or in flight.
   */
  shutDown(options: { drain?: boolean } = {}): Promise<void> {
    this.#shuttingDown = true;
    for (const d of this.#delayed.values()) d.cancel();
    this.#delayed.clear();
    if (options.drain === false) {
      this.#dropping = true;
      for (const key of this.#queue) this.#dirty.delete(key);
      this.#queue = [];
      this.#depthChanged();
    }
    const drained = new Promise<void>((resolve) => {
      this.#drainWaiters.push(resolve);
    });
    this.#dispatch();
    return drained;
  }

  #dispatch(): void {
    while (this.#getters.length > 0 && this.#queue.length > 0) {
      const key = this.#queue.shift();
      const getter = this.#getters.shift();
      if (key === undefined || getter === undefined) break;
      this.#dirty.delete(key);
      this.#processing.add(key);
      this.#depthChanged();
      getter(key);
    }
    if (!this.#shuttingDown || this.#queue.length > 0) return;
    // Shut down and nothing left to hand out: release idle workers.
    const getters = this.#getters;
    this.#getters = [];
    for (const g of getters) g(undefined);
    if (this.#processing.size === 0) {
      const waiters = this.#drainWaiters;
      this.#drainWaiters = [];
      for (const w of waiters) w();
    }
  }

  #depthChanged(): void {
    this.#onDepth?.(this.#queue.length);
  }
}

/**
 * Runs `concurrency` workers taking keys from `queue` until it is shut down and drained.
 * `handle` decides about requeueing; if it throws anyway, the key is retried with backoff.
 */
export async function runWorkers(
  queue: WorkQueue,
  concurrency: number,
  handle: (key: string) => Promise<void>,
): Promise<void> {
  const worker = async (): Promise<void> => {
    for (;;) {
      const key = await queue.get();
      if (key === undefined) return;
      try {
        await handle(key);
      } catch {
        queue.addRateLimited(key);
      } finally {
        queue.done(key);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
}

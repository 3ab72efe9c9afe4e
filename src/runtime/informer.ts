// An informer: a local cache of one resource type kept current by list + watch.
//
// Behaviour (after client-go's reflector and kubernetes-fluent-client's watcher):
// - list (paged), then watch from the list's resourceVersion with bookmarks;
// - a watch that ends normally, or goes quiet past client-node's 30 s inactivity timeout,
//   is resumed from the last resourceVersion;
// - 410 Gone (expired resourceVersion) relists;
// - any other failure relists after a jittered exponential backoff, so a broken API server is
//   never flooded by restarts; the attempt count resets once a watch proves healthy;
// - a periodic resync relists and reports every object as changed, which re-runs every
//   reconcile and heals anything a silently stalled watch missed.
// Handlers should only enqueue keys; reconcilers read the cache (get/list) themselves.
import { Watch, type KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { counter, gauge } from '../observability/metrics.ts';
import { backoffDelay, type BackoffPolicy } from './backoff.ts';
import { sleep, systemClock, type CancelTimer, type Clock } from './clock.ts';
import { toApiError } from './errors.ts';
import { getJson } from './kube-http.ts';

/** The parts of an object the informer relies on. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    generation?: number;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    finalizers?: string[];
    deletionTimestamp?: unknown;
    managedFields?: unknown;
  };
}

export interface ObjectList<T> {
  items: T[];
  metadata?: { resourceVersion?: string; continue?: string };
}

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
}

/** The shape of client-node's Watch, injectable for tests. */
export interface WatchLike {
  watch(
    path: string,
    query: Record<string, string | number | boolean | undefined>,
    callback: (phase: string, apiObj: unknown) => void,
    done: (err: unknown) => void,
  ): Promise<AbortController>;
}

export interface InformerOptions<T extends KubeObject> {
  /** Short name for logs and metrics, e.g. "deployments". */
  readonly name: string;
  readonly kubeConfig: KubeConfig;
  /** Collection path to list and watch, e.g. /apis/apps/v1/deployments or /apis/westward.io/v1alpha1/hubs. */
  readonly path: string;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  /** Custom list call (default: raw paged GET of `path`). It must honour the selectors. */
  readonly list?: (options: ListOptions) => Promise<ObjectList<T>>;
  readonly watch?: WatchLike;
  /** Applied to every object before caching; default drops metadata.managedFields (memory). */
  readonly transform?: (obj: T) => T;
  /** Relist and report every object this often; 0 disables. Default 10 min. */
  readonly resyncIntervalMs?: number;
  /** Backoff between failed attempts. Default 1 s doubling to 30 s, half jittered. */
  readonly backoff?: BackoffPolicy;
  /** A watch counts as healthy (resetting the backoff) after an event or this long. Default 5 s. */
  readonly healthyAfterMs?: number;
  readonly pageSize?: number;
  readonly clock?: Clock;
  readonly random?: () => number;
  readonly logger?: Logger;
  readonly registry?: Registry;
}

/** `old` is the cached object the change replaces, undefined for a new one (and for deletions). */
export type ChangeHandler<T> = (obj: T, old?: T) => void;

/** What controllers and reconcilers use of an informer (one, or one per namespace). */
export interface InformerCache<T extends KubeObject = KubeObject> {
  readonly name: string;
  onChange(handler: ChangeHandler<T>): this;
  onDelete(handler: ChangeHandler<T>): this;
  start(): void;
  stop(): Promise<void>;
  hasSynced(): boolean;
  waitForSync(signal?: AbortSignal): Promise<void>;
  get(key: string): T | undefined;
  list(): T[];
}

export interface InformerStats {
  /** Successful lists. */
  lists: number;
  /** Watch connections opened. */
  watches: number;
  /** Failed lists and watches. */
  failures: number;
}

type WatchOutcome = { kind: 'end' | 'gone' | 'resync' | 'stopped'; healthy: boolean } | { kind: 'error'; healthy: boolean; err: unknown };

export const defaultInformerBackoff: BackoffPolicy = { baseMs: 1000, maxMs: 30_000, jitter: 0.5 };

/** The cache key of an object: `namespace/name`, or `name` for cluster-scoped objects. */
export function objectKey(obj: KubeObject): string {
  const ns = obj.metadata?.namespace;
  const name = obj.metadata?.name ?? '';
  return ns === undefined || ns === '' ? name : `${ns}/${name}`;
}

/**
 * The collection path of a resource for list and watch: the core group ('') under /api, others
 * under /apis; all namespaces when `namespace` is undefined.
 */
export function resourcePath(group: string, version: string, plural: string, namespace?: string): string {
  const base = group === '' ? `/api/${version}` : `/apis/${group}/${version}`;
  return namespace === undefined ? `${base}/${plural}` : `${base}/namespaces/${encodeURIComponent(namespace)}/${plural}`;
}

function stripManagedFields<T extends KubeObject>(obj: T): T {
  if (obj.metadata?.managedFields === undefined) return obj;
  const { managedFields: _dropped, ...metadata } = obj.metadata;
  return { ...obj, metadata };
}

export class Informer<T extends KubeObject = KubeObject> implements InformerCache<T> {
  readonly name: string;
  readonly #opts: InformerOptions<T>;
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #watch: WatchLike;
  readonly #transform: (obj: T) => T;
  readonly #log: Logger | undefined;
  #cache = new Map<string, T>();
  #resourceVersion = '';
  #synced = false;
  #syncWaiters: (() => void)[] = [];
  readonly #onChange: ChangeHandler<T>[] = [];
  readonly #onDelete: ChangeHandler<T>[] = [];
  #running: Promise<void> | undefined;
  #stopped = true;
  #stopController = new AbortController();
  #resyncDue = false;
  #cancelResync: CancelTimer | undefined;
  /** Aborts the current watch connection (set while one is open or opening). */
  #abortWatch: ((why: 'resync' | 'stop') => void) | undefined;
  readonly #stats: InformerStats = { lists: 0, watches: 0, failures: 0 };
  readonly #metrics;

  constructor(options: InformerOptions<T>) {
    this.name = options.name;
    this.#opts = options;
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? Math.random;
    this.#watch = options.watch ?? new Watch(options.kubeConfig);
    this.#transform = options.transform ?? stripManagedFields;
    this.#log = options.logger?.child({ informer: options.name });
    const registry = options.registry;
    this.#metrics =
      registry === undefined
        ? undefined
        : {
            relists: counter(registry, {
              name: 'westward_informer_relists_total',
              help: 'Lists of a watched resource, by reason (initial, resync, gone, error).',
              labelNames: ['informer', 'reason'],
            }),
            restarts: counter(registry, {
              name: 'westward_informer_watch_restarts_total',
              help: 'Watch connections that ended, by outcome (end, gone, error, resync).',
              labelNames: ['informer', 'reason'],
            }),
            objects: gauge(registry, {
              name: 'westward_informer_objects',
              help: 'Objects in the informer cache.',
              labelNames: ['informer'],
            }),
          };
  }

  /** Registers a handler for added and changed objects (and for every object on resync). */
  onChange(handler: ChangeHandler<T>): this {
    this.#onChange.push(handler);
    return this;
  }

  /** Registers a handler for deleted objects (with their last known state). */
  onDelete(handler: ChangeHandler<T>): this {
    this.#onDelete.push(handler);
    return this;
  }

  start(): void {
    if (this.#running !== undefined) return;
    this.#stopped = false;
    this.#stopController = new AbortController();
    this.#scheduleResync();
    this.#running = this.#run().finally(() => {
      this.#running = undefined;
    });
  }

  /** Stops watching; the cache keeps its last contents. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#cancelResync?.();
    this.#stopController.abort();
    this.#abortWatch?.('stop');
    await this.#running;
  }

  hasSynced(): boolean {
    return this.#synced;
  }

  /** Resolves after the first successful list (or at once if `signal` aborts). */
  waitForSync(signal?: AbortSignal): Promise<void> {
    if (this.#synced || signal?.aborted === true) return Promise.resolve();
    return new Promise((resolve) => {
      this.#syncWaiters.push(resolve);
      signal?.addEventListener('abort', () => {
        resolve();
      }, { once: true });
    });
  }

  get(key: string): T | undefined {
    return this.#cache.get(key);
  }

  list(): T[] {
    return [...this.#cache.values()];
  }

  stats(): Readonly<InformerStats> {
    return { ...this.#stats };
  }

  /** The resourceVersion the next watch starts from. */
  lastResourceVersion(): string {
    return this.#resourceVersion;
  }

  async #run(): Promise<void> {
    let failures = 0;
    let listReason: string | undefined = 'initial';
    while (!this.#stopped) {
      if (failures > 0) {
        const delay = backoffDelay(this.#opts.backoff ?? defaultInformerBackoff, failures, this.#random);
        this.#log?.debug({ delayMs: Math.round(delay), failures }, 'Backing off before restarting watch');
        await sleep(this.#clock, delay, this.#stopController.signal);
        if (this.#isStopped()) break;
      }
      if (this.#resyncDue) listReason = 'resync';
      if (listReason !== undefined) {
        try {
          await this.#relist(listReason);
          listReason = undefined;
        } catch (err) {
          failures++;
          this.#stats.failures++;
          this.#log?.warn({ err: toApiError(err), failures }, 'List failed');
          continue;
        }
      }
      const outcome = await this.#watchOnce();
      this.#metrics?.restarts.inc({ informer: this.name, reason: outcome.kind });
      switch (outcome.kind) {
        case 'stopped':
          return;
        case 'resync':
          listReason = 'resync';
          failures = 0;
          break;
        case 'end':
          failures = outcome.healthy ? 0 : failures + 1;
          break;
        case 'gone':
          listReason = 'gone';
          failures = outcome.healthy ? 0 : failures + 1;
          this.#log?.debug('Watch expired, relisting');
          break;
        case 'error':
          listReason = 'error';
          failures = outcome.healthy ? 1 : failures + 1;
          this.#stats.failures++;
          this.#log?.warn({ err: toApiError(outcome.err), failures }, 'Watch failed, relisting after backoff');
          break;
      }
    }
  }

  async #listAll(): Promise<ObjectList<T>> {
    const selectors: ListOptions = {
      ...(this.#opts.labelSelector !== undefined ? { labelSelector: this.#opts.labelSelector } : {}),
      ...(this.#opts.fieldSelector !== undefined ? { fieldSelector: this.#opts.fieldSelector } : {}),
    };
    if (this.#opts.list !== undefined) return this.#opts.list(selectors);
    const items: T[] = [];
    let cont: string | undefined;
    let resourceVersion: string | undefined;
    do {
      const page = (await getJson(
        this.#opts.kubeConfig,
        this.#opts.path,
        { ...selectors, limit: this.#opts.pageSize ?? 500, continue: cont },
        this.#stopController.signal,
      )) as ObjectList<T>;
      items.push(...page.items);
      cont = page.metadata?.continue === '' ? undefined : page.metadata?.continue;
      resourceVersion = page.metadata?.resourceVersion;
    } while (cont !== undefined);
    return { items, metadata: { ...(resourceVersion !== undefined ? { resourceVersion } : {}) } };
  }

  async #relist(reason: string): Promise<void> {
    const list = await this.#listAll();
    this.#resyncDue = false;
    const reportAll = reason === 'resync';
    const next = new Map<string, T>();
    const changed: { obj: T; old: T | undefined }[] = [];
    for (const raw of list.items) {
      const obj = this.#transform(raw);
      const key = objectKey(obj);
      next.set(key, obj);
      const old = this.#cache.get(key);
      if (reportAll || old?.metadata?.resourceVersion !== obj.metadata?.resourceVersion) changed.push({ obj, old });
    }
    const deleted = [...this.#cache.entries()].filter(([key]) => !next.has(key)).map(([, obj]) => obj);
    this.#cache = next;
    this.#resourceVersion = list.metadata?.resourceVersion ?? '';
    this.#stats.lists++;
    this.#metrics?.relists.inc({ informer: this.name, reason });
    this.#metrics?.objects.set({ informer: this.name }, next.size);
    this.#log?.debug({ reason, objects: next.size, changed: changed.length, deleted: deleted.length }, 'Listed');
    if (!this.#synced) {
      this.#synced = true;
      const waiters = this.#syncWaiters;
      this.#syncWaiters = [];
      for (const w of waiters) w();
    }
    for (const { obj, old } of changed) this.#emit(this.#onChange, obj, old);
    for (const obj of deleted) this.#emit(this.#onDelete, obj);
  }

  #watchOnce(): Promise<WatchOutcome> {
    return new Promise((resolve) => {
      const startedAt = this.#clock.now();
      let events = 0;
      let gone = false;
      let errorStatus: unknown;
      let abortedFor: 'resync' | 'stop' | undefined;
      let controller: AbortController | undefined;
      let finished = false;
      const healthy = (): boolean => events > 0 || this.#clock.now() - startedAt >= (this.#opts.healthyAfterMs ?? 5000);

      const finish = (err: unknown): void => {
        if (finished) return;
        finished = true;
        this.#abortWatch = undefined;
        controller?.abort();
        if (abortedFor === 'stop' || this.#stopped) resolve({ kind: 'stopped', healthy: true });
        else if (abortedFor === 'resync') resolve({ kind: 'resync', healthy: true });
        else if (gone || toApiError(err ?? {}).code === 410) resolve({ kind: 'gone', healthy: healthy() });
        else if (errorStatus !== undefined) resolve({ kind: 'error', healthy: healthy(), err: errorStatus });
        else if (err !== null && err !== undefined && !isInactivityTimeout(err)) resolve({ kind: 'error', healthy: healthy(), err });
        else resolve({ kind: 'end', healthy: healthy() });
      };

      this.#abortWatch = (why) => {
        abortedFor = why;
        if (controller !== undefined) controller.abort();
        else finish(null);
      };

      const onEvent = (phase: string, apiObj: unknown): void => {
        if (finished) return;
        events++;
        this.#handleEvent(phase, apiObj, (status) => {
          if (toApiError(status).code === 410) gone = true;
          else errorStatus = status;
        });
      };

      // Servers close watches after timeoutSeconds; randomised as client-go does so that
      // informers started together do not reconnect together.
      const timeoutSeconds = Math.floor(300 * (1 + this.#random()));
      const query = {
        resourceVersion: this.#resourceVersion,
        allowWatchBookmarks: true,
        timeoutSeconds,
        labelSelector: this.#opts.labelSelector,
        fieldSelector: this.#opts.fieldSelector,
      };
      this.#stats.watches++;
      this.#watch.watch(this.#opts.path, query, onEvent, finish).then(
        (c) => {
          if (finished) {
            c.abort();
            return;
          }
          controller = c;
          if (abortedFor !== undefined) c.abort();
        },
        (err: unknown) => {
          finish(err);
        },
      );
    });
  }

  #handleEvent(phase: string, apiObj: unknown, onError: (status: unknown) => void): void {
    if (phase === 'ERROR') {
      onError(apiObj);
      return;
    }
    if (typeof apiObj !== 'object' || apiObj === null) return;
    const obj = this.#transform(apiObj as T);
    const rv = obj.metadata?.resourceVersion;
    if (rv !== undefined && rv !== '') this.#resourceVersion = rv;
    if (phase === 'BOOKMARK') return;
    const key = objectKey(obj);
    if (phase === 'ADDED' || phase === 'MODIFIED') {
      const old = this.#cache.get(key);
      this.#cache.set(key, obj);
      this.#metrics?.objects.set({ informer: this.name }, this.#cache.size);
      if (old?.metadata?.resourceVersion !== rv) this.#emit(this.#onChange, obj, old);
    } else if (phase === 'DELETED') {
      this.#cache.delete(key);
      this.#metrics?.objects.set({ informer: this.name }, this.#cache.size);
      this.#emit(this.#onDelete, obj);
    }
  }

  #emit(handlers: readonly ChangeHandler<T>[], obj: T, old?: T): void {
    for (const h of handlers) {
      try {
        h(obj, old);
      } catch (err) {
        this.#log?.error({ err, key: objectKey(obj) }, 'Event handler failed');
      }
    }
  }

  /** A method, not the field, so flow analysis does not assume it unchanged across awaits. */
  #isStopped(): boolean {
    return this.#stopped;
  }

  #scheduleResync(): void {
    const interval = this.#opts.resyncIntervalMs ?? 10 * 60_000;
    if (interval <= 0 || this.#stopped) return;
    this.#cancelResync = this.#clock.setTimeout(() => {
      if (this.#stopped) return;
      this.#resyncDue = true;
      this.#abortWatch?.('resync');
      this.#scheduleResync();
    }, interval);
  }
}

function isInactivityTimeout(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { name?: unknown }).name === 'TimeoutError';
}

// Kubernetes Events (events.k8s.io/v1) for transitions worth telling a human about.
// Repeats of the same event are folded into one Event's `series` (count, lastObservedTime),
// written at most once per flush interval, so a flapping condition never floods the namespace.
import { randomBytes } from 'node:crypto';
import { PatchStrategy, setHeaderOptions, V1MicroTime, type EventsV1Api, type EventsV1Event } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { systemClock, type Clock } from './clock.ts';
import { callApi, toApiError } from './errors.ts';
import { plain } from './plain.ts';

export interface EventRegarding {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string | undefined;
  uid?: string | undefined;
}

export interface EventInput {
  regarding: EventRegarding;
  type: 'Normal' | 'Warning';
  /** CamelCase, e.g. "Moved", "ForecastStale". */
  reason: string;
  /** What was done, CamelCase, e.g. "Reschedule", "Fallback". */
  action: string;
  /** Human-readable, at most 1 kB. */
  note: string;
  /**
   * A name that makes the event happen once: recording it again (after a restart, say) finds it
   * already there and writes nothing. Such events are not folded into series.
   */
  once?: string;
}

export type DedupDecision =
  | { readonly write: 'create' }
  | { readonly write: 'series'; readonly count: number; readonly name: string; readonly namespace: string }
  | { readonly write: 'none'; readonly count: number };

export interface DedupOptions {
  /** A repeat within this long after the previous one joins its series. Default 10 min. */
  readonly windowMs?: number;
  /** A series is written at most this often. Default 60 s. */
  readonly flushIntervalMs?: number;
  /** Distinct events remembered (least recently seen dropped first). Default 4096. */
  readonly maxEntries?: number;
}

interface Seen {
  name: string | undefined;
  namespace: string;
  count: number;
  lastSeen: number;
  lastWritten: number;
  writtenCount: number;
}

/** The identity of an event for de-duplication: same object, type, reason, action and note. */
export function eventKey(e: EventInput): string {
  const r = e.regarding;
  return [r.uid ?? '', r.apiVersion, r.kind, r.namespace ?? '', r.name, e.type, e.reason, e.action, e.note].join('\u0000');
}

/** Pure bookkeeping of which events were written and how often they repeated. */
export class EventDeduper {
  readonly #seen = new Map<string, Seen>();
  readonly #windowMs: number;
  readonly #flushMs: number;
  readonly #max: number;

  constructor(options: DedupOptions = {}) {
    this.#windowMs = options.windowMs ?? 10 * 60_000;
    this.#flushMs = options.flushIntervalMs ?? 60_000;
    this.#max = options.maxEntries ?? 4096;
  }

  /** Records one occurrence at `now` and says what to write. */
  observe(key: string, namespace: string, now: number): DedupDecision {
    const prev = this.#seen.get(key);
    if (prev === undefined || now - prev.lastSeen > this.#windowMs || prev.name === undefined) {
      this.#remember(key, { name: undefined, namespace, count: 1, lastSeen: now, lastWritten: now, writtenCount: 1 });
      return { write: 'create' };
    }
    prev.count++;
    prev.lastSeen = now;
    this.#remember(key, prev);
    if (now - prev.lastWritten < this.#flushMs) return { write: 'none', count: prev.count };
    prev.lastWritten = now;
    prev.writtenCount = prev.count;
    return { write: 'series', count: prev.count, name: prev.name, namespace: prev.namespace };
  }

  /** Ties the created Event's name to `key`, so repeats update it. */
  created(key: string, name: string): void {
    const s = this.#seen.get(key);
    if (s !== undefined) s.name = name;
  }

  /** Forgets `key` (its Event is gone): the next occurrence creates a new one. */
  forget(key: string): void {
    this.#seen.delete(key);
  }

  size(): number {
    return this.#seen.size;
  }

  #remember(key: string, value: Seen): void {
    // Re-insert so Map order is least-recently-seen first.
    this.#seen.delete(key);
    this.#seen.set(key, value);
    while (this.#seen.size > this.#max) {
      const oldest = this.#seen.keys().next();
      if (oldest.done === true) break;
      this.#seen.delete(oldest.value);
    }
  }
}

export interface EventRecorderOptions {
  readonly api: EventsV1Api;
  /** reportingController, e.g. "westward.io/operator". */
  readonly controller: string;
  /** reportingInstance, e.g. the pod name. */
  readonly instance: string;
  /** Namespace for events about cluster-scoped objects. Default "default". */
  readonly clusterEventsNamespace?: string;
  readonly clock?: Clock;
  readonly logger?: Logger;
  readonly dedup?: DedupOptions;
}

const mergePatchHeader = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

export class EventRecorder {
  readonly #opts: EventRecorderOptions;
  readonly #clock: Clock;
  readonly #dedup: EventDeduper;

  constructor(options: EventRecorderOptions) {
    this.#opts = options;
    this.#clock = options.clock ?? systemClock;
    this.#dedup = new EventDeduper(options.dedup);
  }

  /**
   * Records an event. Never throws: an event is worth less than the reconcile that emits it,
   * so failures are logged and dropped.
   */
  async record(input: EventInput): Promise<void> {
    const key = eventKey(input);
    const namespace = input.regarding.namespace ?? this.#opts.clusterEventsNamespace ?? 'default';
    const now = this.#clock.now();
    if (input.once !== undefined) {
      await this.#create(input, namespace, now, input.once).catch((err: unknown) => {
        const apiError = toApiError(err);
        if (apiError.kind !== 'AlreadyExists') this.#opts.logger?.warn({ err: apiError, reason: input.reason, name: input.regarding.name }, 'Failed to record event');
      });
      return;
    }
    const decision = this.#dedup.observe(key, namespace, now);
    try {
      if (decision.write === 'create') {
        const name = await this.#create(input, namespace, now);
        this.#dedup.created(key, name);
      } else if (decision.write === 'series') {
        await this.#updateSeries(decision.name, decision.namespace, decision.count, now);
      }
    } catch (err) {
      const apiError = toApiError(err);
      // The Event expired (events have a TTL) or was never stored: start afresh next time.
      this.#dedup.forget(key);
      this.#opts.logger?.warn({ err: apiError, reason: input.reason, name: input.regarding.name }, 'Failed to record event');
    }
  }

  async #create(input: EventInput, namespace: string, now: number, fixedName?: string): Promise<string> {
    const base = input.regarding.name.slice(0, 200);
    const name = fixedName ?? `${base}.${now.toString(16)}${randomBytes(2).toString('hex')}`;
    await callApi(() =>
      this.#opts.api.createNamespacedEvent({
        namespace,
        body: plain<EventsV1Event>({
          apiVersion: 'events.k8s.io/v1',
          kind: 'Event',
          metadata: { name, namespace },
          eventTime: new V1MicroTime(now),
          reportingController: this.#opts.controller,
          reportingInstance: this.#opts.instance,
          action: input.action,
          reason: input.reason,
          type: input.type,
          note: input.note.slice(0, 1024),
          regarding: {
            apiVersion: input.regarding.apiVersion,
            kind: input.regarding.kind,
            name: input.regarding.name,
            ...(input.regarding.namespace !== undefined ? { namespace: input.regarding.namespace } : {}),
            ...(input.regarding.uid !== undefined ? { uid: input.regarding.uid } : {}),
          },
        }),
      }),
    );
    return name;
  }

  async #updateSeries(name: string, namespace: string, count: number, now: number): Promise<void> {
    const body = { series: { count, lastObservedTime: new V1MicroTime(now).toISOString() } };
    await callApi(() => this.#opts.api.patchNamespacedEvent({ name, namespace, body }, mergePatchHeader));
  }
}

// Leader election on a coordination.k8s.io/v1 Lease, after client-go's leaderelection package.
//
// Expiry is judged on the local clock from when this process last saw the lease record change,
// never from the holder's renewTime, so clock skew between machines cannot cause two leaders.
// Writes carry the resourceVersion read, so of two candidates racing for the lease the API
// server lets exactly one win (the other gets 409 Conflict and waits).
import { V1MicroTime, type CoordinationV1Api, type V1Lease } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { Gauge, Registry } from 'prom-client';
import { gauge } from '../observability/metrics.ts';
import { sleep, systemClock, type Clock } from './clock.ts';
import { callApi, toApiError } from './errors.ts';
import { plain } from './plain.ts';

/** The election-relevant fields of a Lease's spec, with times in epoch milliseconds. */
export interface LeaseRecord {
  holderIdentity: string;
  leaseDurationSeconds: number;
  acquireTimeMs: number;
  renewTimeMs: number;
  leaseTransitions: number;
}

export interface ElectionTiming {
  /** How long a standby waits, after the lease last changed, before taking it. */
  readonly leaseDurationMs: number;
  /** How long the leader keeps trying to renew before giving up leadership. */
  readonly renewDeadlineMs: number;
  /** Interval between attempts to acquire or renew. */
  readonly retryPeriodMs: number;
}

export const defaultElectionTiming: ElectionTiming = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 };

export type LeaseDecision = { readonly write: 'create' | 'update'; readonly record: LeaseRecord } | { readonly write: 'none'; readonly holder: string };

/**
 * Pure: given the lease as last read (undefined if none exists) and when this process first saw
 * that version of it, what `identity` should write at `now`.
 */
export function decideLease(
  current: LeaseRecord | undefined,
  observedAtMs: number,
  now: number,
  identity: string,
  timing: ElectionTiming,
): LeaseDecision {
  const durationSeconds = Math.ceil(timing.leaseDurationMs / 1000);
  if (current === undefined) {
    return {
      write: 'create',
      record: { holderIdentity: identity, leaseDurationSeconds: durationSeconds, acquireTimeMs: now, renewTimeMs: now, leaseTransitions: 0 },
    };
  }
  if (current.holderIdentity === identity) {
    return { write: 'update', record: { ...current, leaseDurationSeconds: durationSeconds, renewTimeMs: now } };
  }
  const held = current.holderIdentity !== '';
  const expiresAt = observedAtMs + current.leaseDurationSeconds * 1000;
  if (held && now < expiresAt) return { write: 'none', holder: current.holderIdentity };
  return {
    write: 'update',
    record: {
      holderIdentity: identity,
      leaseDurationSeconds: durationSeconds,
      acquireTimeMs: now,
      renewTimeMs: now,
      leaseTransitions: current.leaseTransitions + (held ? 1 : 0),
    },
  };
}

/** The record written when a leader steps down: no holder, so a standby takes over at once. */
export function releasedRecord(current: LeaseRecord, now: number): LeaseRecord {
  return { ...current, holderIdentity: '', leaseDurationSeconds: 1, renewTimeMs: now };
}

/** Lease storage; `update` must fail with a Conflict when `resourceVersion` is stale. */
export interface LeaseStore {
  get(): Promise<{ record: LeaseRecord; resourceVersion: string } | undefined>;
  create(record: LeaseRecord): Promise<void>;
  update(record: LeaseRecord, resourceVersion: string): Promise<void>;
  describe(): string;
}

function toMs(t: unknown): number {
  if (t instanceof Date) return t.getTime();
  if (typeof t === 'string') return Date.parse(t);
  return 0;
}

/** The Lease `namespace/name` through the coordination.k8s.io/v1 API. */
export function kubernetesLeaseStore(api: CoordinationV1Api, namespace: string, name: string): LeaseStore {
  const toBody = (record: LeaseRecord, resourceVersion?: string): V1Lease =>
    plain<V1Lease>({
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name, namespace, ...(resourceVersion !== undefined ? { resourceVersion } : {}) },
    spec: {
      holderIdentity: record.holderIdentity,
      leaseDurationSeconds: record.leaseDurationSeconds,
      // MicroTime needs six fractional digits; V1MicroTime serialises that way.
      acquireTime: new V1MicroTime(record.acquireTimeMs),
      renewTime: new V1MicroTime(record.renewTimeMs),
      leaseTransitions: record.leaseTransitions,
    },
    });
  return {
    describe: () => `${namespace}/${name}`,
    async get() {
      let lease: V1Lease;
      try {
        lease = await callApi(() => api.readNamespacedLease({ name, namespace }));
      } catch (err) {
        if (toApiError(err).kind === 'NotFound') return undefined;
        throw err;
      }
      const spec = lease.spec ?? plain<NonNullable<V1Lease['spec']>>({});
      return {
        resourceVersion: lease.metadata?.resourceVersion ?? '',
        record: {
          holderIdentity: spec.holderIdentity ?? '',
          leaseDurationSeconds: spec.leaseDurationSeconds ?? 15,
          acquireTimeMs: toMs(spec.acquireTime),
          renewTimeMs: toMs(spec.renewTime),
          leaseTransitions: spec.leaseTransitions ?? 0,
        },
      };
    },
    async create(record) {
      await callApi(() => api.createNamespacedLease({ namespace, body: toBody(record) }));
    },
    async update(record, resourceVersion) {
      await callApi(() => api.replaceNamespacedLease({ name, namespace, body: toBody(record, resourceVersion) }));
    },
  };
}

export interface LeaderElectorOptions {
  readonly store: LeaseStore;
  /** Unique per process, e.g. the pod name plus a random suffix. */
  readonly identity: string;
  readonly timing?: ElectionTiming;
  /** Called on becoming leader; `signal` aborts when leadership ends. */
  readonly onStartedLeading: (signal: AbortSignal) => void;
  /** Called when leadership ends (lost, or released by stop()). */
  readonly onStoppedLeading: () => void;
  /** Called when the observed leader changes (including to this process). */
  readonly onNewLeader?: (identity: string) => void;
  readonly clock?: Clock;
  readonly random?: () => number;
  readonly logger?: Logger;
  readonly registry?: Registry;
}

function isLeaderGauge(registry: Registry): Gauge<'lease'> {
  return gauge(registry, {
    name: 'westward_leader_election_is_leader',
    help: '1 while this process leads: holds the lease, or runs without leader election (lease="").',
    labelNames: ['lease'] as const,
  });
}

/**
 * A process started without leader election leads alone: it says so on the same series, so
 * "is there a leader" is one query whichever way the operator runs.
 */
export function reportLeadingWithoutElection(registry: Registry): void {
  isLeaderGauge(registry).set({ lease: '' }, 1);
}

export class LeaderElector {
  readonly #opts: LeaderElectorOptions;
  readonly #timing: ElectionTiming;
  readonly #clock: Clock;
  readonly #random: () => number;
  #observed: { record: LeaseRecord; resourceVersion: string } | undefined;
  #observedAt = 0;
  #leading: AbortController | undefined;
  #lastRenewAt = 0;
  /** Steps down when the renew deadline passes without a successful renewal. */
  #cancelRenewDeadline: (() => void) | undefined;
  #reportedLeader: string | undefined;
  #stop = new AbortController();
  #running: Promise<void> | undefined;
  readonly #isLeaderGauge;

  constructor(options: LeaderElectorOptions) {
    this.#opts = options;
    this.#timing = options.timing ?? defaultElectionTiming;
    if (this.#timing.renewDeadlineMs >= this.#timing.leaseDurationMs) throw new Error('renewDeadline must be shorter than leaseDuration');
    if (this.#timing.retryPeriodMs >= this.#timing.renewDeadlineMs) throw new Error('retryPeriod must be shorter than renewDeadline');
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? Math.random;
    this.#isLeaderGauge = options.registry === undefined ? undefined : isLeaderGauge(options.registry);
    this.#isLeaderGauge?.set({ lease: options.store.describe() }, 0);
  }

  isLeader(): boolean {
    return this.#leading !== undefined;
  }

  /** Starts campaigning; resolves when stop() is called. */
  run(): Promise<void> {
    this.#running ??= this.#loop();
    return this.#running;
  }

  /** Stops campaigning; a leader releases the lease so a standby takes over at once. */
  async stop(): Promise<void> {
    this.#stop.abort();
    await this.#running;
    if (this.#leading !== undefined) {
      await this.#release();
      this.#stepDown('released');
    }
  }

  async #loop(): Promise<void> {
    const signal = this.#stop.signal;
    while (!signal.aborted) {
      const ok = await this.#tryAcquireOrRenew();
      const now = this.#clock.now();
      if (ok) {
        this.#lastRenewAt = now;
        this.#cancelRenewDeadline?.();
        this.#cancelRenewDeadline = this.#clock.setTimeout(() => {
          this.#stepDown('lost');
        }, this.#timing.renewDeadlineMs);
        if (this.#leading === undefined && !this.#stop.signal.aborted) {
          this.#leading = new AbortController();
          this.#isLeaderGauge?.set({ lease: this.#opts.store.describe() }, 1);
          this.#opts.logger?.info({ lease: this.#opts.store.describe(), identity: this.#opts.identity }, 'Acquired lease');
          this.#opts.onStartedLeading(this.#leading.signal);
        }
      } else if (this.#leading !== undefined) {
        const otherHolder = this.#observed !== undefined && this.#observed.record.holderIdentity !== this.#opts.identity;
        if (otherHolder || now - this.#lastRenewAt >= this.#timing.renewDeadlineMs) this.#stepDown('lost');
      }
      // Standbys add jitter (as client-go does) so candidates do not retry in lockstep.
      const jitter = this.#leading === undefined ? 1 + 0.2 * this.#random() : 1;
      await sleep(this.#clock, this.#timing.retryPeriodMs * jitter, signal);
    }
  }

  #stepDown(how: 'lost' | 'released'): void {
    const leading = this.#leading;
    this.#cancelRenewDeadline?.();
    this.#cancelRenewDeadline = undefined;
    if (leading === undefined) return;
    this.#leading = undefined;
    this.#isLeaderGauge?.set({ lease: this.#opts.store.describe() }, 0);
    if (how === 'lost') this.#opts.logger?.warn({ lease: this.#opts.store.describe() }, 'Lost lease');
    else this.#opts.logger?.info({ lease: this.#opts.store.describe() }, 'Released lease');
    leading.abort();
    this.#opts.onStoppedLeading();
  }

  /** One attempt; true when this process holds the lease afterwards. Errors count as false. */
  async #tryAcquireOrRenew(): Promise<boolean> {
    const store = this.#opts.store;
    try {
      const current = await this.#withDeadline(store.get());
      const now = this.#clock.now();
      if (current === undefined) {
        this.#observed = undefined;
      } else if (this.#observed?.resourceVersion !== current.resourceVersion) {
        this.#observed = current;
        this.#observedAt = now;
      }
      this.#reportLeader(current?.record.holderIdentity);
      const decision = decideLease(current?.record, this.#observedAt, now, this.#opts.identity, this.#timing);
      if (decision.write === 'none') return false;
      if (decision.write === 'create') await this.#withDeadline(store.create(decision.record));
      else await this.#withDeadline(store.update(decision.record, current?.resourceVersion ?? ''));
      this.#reportLeader(this.#opts.identity);
      return true;
    } catch (err) {
      const apiError = toApiError(err);
      // Conflict/AlreadyExists: another candidate wrote first; the next read shows who.
      if (apiError.kind !== 'Conflict' && apiError.kind !== 'AlreadyExists') {
        this.#opts.logger?.warn({ err: apiError, lease: store.describe() }, 'Lease attempt failed');
      }
      return false;
    }
  }

  async #release(): Promise<void> {
    try {
      const current = await this.#withDeadline(this.#opts.store.get());
      if (current?.record.holderIdentity !== this.#opts.identity) return;
      await this.#withDeadline(this.#opts.store.update(releasedRecord(current.record, this.#clock.now()), current.resourceVersion));
    } catch (err) {
      this.#opts.logger?.warn({ err: toApiError(err) }, 'Failed to release lease');
    }
  }

  #reportLeader(holder: string | undefined): void {
    if (holder === undefined || holder === '' || holder === this.#reportedLeader) return;
    this.#reportedLeader = holder;
    this.#opts.onNewLeader?.(holder);
  }

  /** Bounds one API call so a hung request cannot outlast the renew deadline. */
  #withDeadline<T>(p: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const cancel = this.#clock.setTimeout(() => {
        reject(new Error('lease request timed out'));
      }, this.#timing.renewDeadlineMs / 2);
      p.then(
        (v) => {
          cancel();
          resolve(v);
        },
        (e: unknown) => {
          cancel();
          reject(e instanceof Error ? e : new Error(String(e)));
        },
      );
    });
  }
}

import { describe, expect, it } from 'vitest';
import { KubeApiError } from '../../../src/runtime/errors.ts';
import { FakeClock } from '../../../src/runtime/fake-clock.ts';
import { decideLease, defaultElectionTiming, LeaderElector, releasedRecord, type LeaseRecord, type LeaseStore } from '../../../src/runtime/leader.ts';

const timing = defaultElectionTiming;
const held = (holder: string, renewTimeMs = 0): LeaseRecord => ({
  holderIdentity: holder,
  leaseDurationSeconds: 15,
  acquireTimeMs: 0,
  renewTimeMs,
  leaseTransitions: 3,
});

describe('decideLease', () => {
  it('creates a missing lease', () => {
    const d = decideLease(undefined, 0, 1000, 'a', timing);
    expect(d).toEqual({ write: 'create', record: { holderIdentity: 'a', leaseDurationSeconds: 15, acquireTimeMs: 1000, renewTimeMs: 1000, leaseTransitions: 0 } });
  });

  it('renews its own lease, keeping acquireTime and transitions', () => {
    const d = decideLease(held('a'), 0, 5000, 'a', timing);
    expect(d).toEqual({ write: 'update', record: { ...held('a'), renewTimeMs: 5000 } });
  });

  it('waits while another holder’s lease is younger than its duration on the local clock', () => {
    // Observed at 100 s; the holder's own renewTime (0) is ignored, only local observation counts.
    expect(decideLease(held('b', 0), 100_000, 114_999, 'a', timing)).toEqual({ write: 'none', holder: 'b' });
    const taken = decideLease(held('b', 0), 100_000, 115_000, 'a', timing);
    expect(taken.write).toBe('update');
    if (taken.write === 'update') {
      expect(taken.record.holderIdentity).toBe('a');
      expect(taken.record.leaseTransitions).toBe(4);
      expect(taken.record.acquireTimeMs).toBe(115_000);
    }
  });

  it('takes a released lease at once without counting a transition', () => {
    const released = releasedRecord(held('b'), 50);
    expect(released.holderIdentity).toBe('');
    const d = decideLease(released, 1000, 1000, 'a', timing);
    expect(d.write).toBe('update');
    if (d.write === 'update') expect(d.record.leaseTransitions).toBe(3);
  });
});

/** An in-memory Lease with the API server's optimistic concurrency. */
class MemoryLease implements LeaseStore {
  record: LeaseRecord | undefined;
  rv = 0;
  get(): Promise<{ record: LeaseRecord; resourceVersion: string } | undefined> {
    return Promise.resolve(this.record === undefined ? undefined : { record: { ...this.record }, resourceVersion: String(this.rv) });
  }
  create(record: LeaseRecord): Promise<void> {
    if (this.record !== undefined) return Promise.reject(new KubeApiError({ kind: 'AlreadyExists', code: 409, message: 'exists' }));
    this.record = { ...record };
    this.rv++;
    return Promise.resolve();
  }
  update(record: LeaseRecord, resourceVersion: string): Promise<void> {
    if (resourceVersion !== String(this.rv)) return Promise.reject(new KubeApiError({ kind: 'Conflict', code: 409, message: 'conflict' }));
    this.record = { ...record };
    this.rv++;
    return Promise.resolve();
  }
  describe(): string {
    return 'test/lease';
  }
}

/** A store that can be cut off, as if its process were killed or partitioned. */
function killable(inner: LeaseStore): LeaseStore & { kill(): void } {
  let dead = false;
  const guard = <T>(f: () => Promise<T>): Promise<T> => (dead ? new Promise<T>(() => undefined) : f());
  return {
    kill: () => (dead = true),
    get: () => guard(() => inner.get()),
    create: (r) => guard(() => inner.create(r)),
    update: (r, rv) => guard(() => inner.update(r, rv)),
    describe: () => inner.describe(),
  };
}

function candidate(name: string, store: LeaseStore, clock: FakeClock, log: string[]): LeaderElector {
  return new LeaderElector({
    store,
    identity: name,
    clock,
    random: () => 0.5,
    onStartedLeading: () => log.push(`${name}+@${clock.now()}`),
    onStoppedLeading: () => log.push(`${name}-@${clock.now()}`),
  });
}

describe('LeaderElector', () => {
  it('elects exactly one of two candidates, and the standby takes over within 30 s of the leader dying', async () => {
    const clock = new FakeClock(1_000_000);
    const lease = new MemoryLease();
    const log: string[] = [];
    const sa = killable(lease);
    const a = candidate('a', sa, clock, log);
    const b = candidate('b', lease, clock, log);
    void a.run();
    void b.run();
    await clock.advance(10_000);
    expect([a.isLeader(), b.isLeader()].filter(Boolean)).toHaveLength(1);
    const [leader, standby] = a.isLeader() ? [a, b] : [b, a];
    expect(leader).toBe(a);
    expect(standby.isLeader()).toBe(false);

    const killedAt = clock.now();
    sa.kill();
    // Step in 1 s increments: at no instant may both believe they lead.
    let tookOverAt: number | undefined;
    for (let t = 0; t < 40 && tookOverAt === undefined; t++) {
      await clock.advance(1000);
      expect(a.isLeader() && b.isLeader()).toBe(false);
      if (b.isLeader()) tookOverAt = clock.now();
    }
    expect(tookOverAt).toBeDefined();
    expect((tookOverAt ?? Infinity) - killedAt).toBeLessThanOrEqual(30_000);
    // The cut-off leader gave up after its renew deadline, before the standby started.
    const lostAt = Number(log.find((l) => l.startsWith('a-@'))?.slice(3));
    expect(lostAt - killedAt).toBeLessThanOrEqual(timing.renewDeadlineMs + timing.retryPeriodMs);
    expect(lostAt).toBeLessThan(tookOverAt ?? 0);
    await b.stop();
  });

  it('releases the lease on stop so the standby takes over within one retry period', async () => {
    const clock = new FakeClock(0);
    const lease = new MemoryLease();
    const log: string[] = [];
    const a = candidate('a', lease, clock, log);
    void a.run();
    await clock.advance(100);
    expect(a.isLeader()).toBe(true);
    const b = candidate('b', lease, clock, log);
    void b.run();
    await clock.advance(5000);
    expect(b.isLeader()).toBe(false);
    const stopped = a.stop();
    await clock.advance(0);
    await stopped;
    expect(lease.record?.holderIdentity).toBe('');
    expect(log).toContain('a-@5100');
    await clock.advance(timing.retryPeriodMs * 1.2 + 1);
    expect(b.isLeader()).toBe(true);
    await b.stop();
  });

  it('rejects timings where a leader could outlive its lease', () => {
    expect(() => new LeaderElector({ store: new MemoryLease(), identity: 'x', timing: { leaseDurationMs: 10_000, renewDeadlineMs: 10_000, retryPeriodMs: 2000 }, onStartedLeading: () => undefined, onStoppedLeading: () => undefined })).toThrow();
  });
});

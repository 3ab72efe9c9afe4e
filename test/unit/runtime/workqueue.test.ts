import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { FakeClock, settle } from '../../../src/runtime/fake-clock.ts';
import { runWorkers, WorkQueue } from '../../../src/runtime/workqueue.ts';
import { backoffDelay } from '../../../src/runtime/backoff.ts';

const policy = { baseMs: 100, maxMs: 1000 };

describe('WorkQueue', () => {
  it('hands out a key added twice only once', async () => {
    const q = new WorkQueue({ clock: new FakeClock() });
    q.add('ns/a');
    q.add('ns/a');
    q.add('ns/b');
    expect(q.len()).toBe(2);
    expect(await q.get()).toBe('ns/a');
    expect(await q.get()).toBe('ns/b');
    expect(q.len()).toBe(0);
  });

  it('re-runs a key added during processing only after done, never concurrently', async () => {
    const q = new WorkQueue({ clock: new FakeClock() });
    q.add('k');
    const first = await q.get();
    expect(first).toBe('k');
    q.add('k');
    q.add('k');
    // The key is in flight: a second worker must not get it.
    let second: string | undefined = 'pending';
    void q.get().then((k) => (second = k));
    await settle();
    expect(second).toBe('pending');
    q.done('k');
    await settle();
    expect(second).toBe('k');
    q.done('k');
    expect(q.len()).toBe(0);
  });

  it('never processes one key concurrently under many workers (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.constantFrom('a', 'b', 'c'), { minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 4 }), async (adds, workers) => {
        const q = new WorkQueue({ clock: new FakeClock() });
        const active = new Set<string>();
        let overlap = false;
        let processed = 0;
        const seen = new Set<string>();
        const handle = async (key: string): Promise<void> => {
          if (active.has(key)) overlap = true;
          active.add(key);
          seen.add(key);
          processed++;
          // Re-add some keys while they are in flight.
          if (processed % 3 === 0) q.add(key);
          await settle(1);
          active.delete(key);
        };
        const run = runWorkers(q, workers, handle);
        for (const k of adds) q.add(k);
        await settle(3);
        await q.shutDown();
        await run;
        expect(overlap).toBe(false);
        // Every distinct key added was processed at least once.
        expect([...seen].sort()).toEqual([...new Set(adds)].sort());
      }),
      { numRuns: 60 },
    );
  });

  it('grows the per-key backoff exponentially up to the cap, and forget resets it', async () => {
    const clock = new FakeClock();
    const q = new WorkQueue({ clock, backoff: policy });
    const delays = [1, 2, 3, 4, 5, 6].map(() => q.addRateLimited('k'));
    // Hand-computed: 100·2^(n−1) capped at 1000.
    expect(delays).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect(q.numRequeues('k')).toBe(6);
    q.forget('k');
    expect(q.numRequeues('k')).toBe(0);
    // The earliest pending delay (100 ms) wins; the key arrives then, once.
    await clock.advance(99);
    expect(q.len()).toBe(0);
    await clock.advance(1);
    expect(q.len()).toBe(1);
    await clock.advance(5000);
    expect(q.len()).toBe(1);
  });

  it('backoffDelay stays within [0, max] and is monotone without jitter (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000 }), fc.integer({ min: 1, max: 10_000_000 }), fc.integer({ min: 1, max: 2000 }), (base, max, n) => {
        const p = { baseMs: base, maxMs: max };
        const d = backoffDelay(p, n);
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThanOrEqual(max);
        expect(backoffDelay(p, n + 1)).toBeGreaterThanOrEqual(d);
        const jittered = backoffDelay({ ...p, jitter: 0.5 }, n, () => 0);
        expect(jittered).toBeCloseTo(Math.min(base * 2 ** Math.min(n - 1, 52), max) / 2);
      }),
    );
  });

  it('requeueAfter delivers the key after the delay, and an earlier add wins', async () => {
    const clock = new FakeClock();
    const q = new WorkQueue({ clock });
    q.addAfter('k', 60_000);
    q.addAfter('k', 90_000);
    await clock.advance(59_999);
    expect(q.len()).toBe(0);
    await clock.advance(1);
    expect(q.len()).toBe(1);
    expect(await q.get()).toBe('k');
    q.done('k');
    await clock.advance(60_000);
    // The later 90 s request was superseded, not delivered a second time.
    expect(q.len()).toBe(0);
    expect(clock.pending()).toBe(0);
  });

  it('shutDown drains waiting keys, waits for in-flight ones and ignores new adds', async () => {
    const clock = new FakeClock();
    const q = new WorkQueue({ clock });
    q.add('a');
    q.add('b');
    q.addAfter('later', 1000);
    const inFlight = await q.get();
    let drained = false;
    const done = q.shutDown().then(() => (drained = true));
    q.add('c');
    expect(clock.pending()).toBe(0);
    expect(await q.get()).toBe('b');
    q.done('b');
    await settle();
    expect(drained).toBe(false);
    q.done(inFlight ?? '');
    await done;
    expect(drained).toBe(true);
    expect(await q.get()).toBeUndefined();
  });

  it('shutDown without drain drops waiting keys', async () => {
    const q = new WorkQueue({ clock: new FakeClock() });
    q.add('a');
    q.add('b');
    const key = await q.get();
    q.add('a');
    const done = q.shutDown({ drain: false });
    expect(q.len()).toBe(0);
    q.done(key ?? '');
    await done;
    expect(await q.get()).toBeUndefined();
  });

  it('reports depth changes', () => {
    const depths: number[] = [];
    const q = new WorkQueue({ clock: new FakeClock(), onDepth: (d) => depths.push(d) });
    q.add('a');
    q.add('b');
    q.add('a');
    expect(depths).toEqual([1, 2]);
  });

  it('runWorkers retries a key whose handler throws, with backoff', async () => {
    const clock = new FakeClock();
    const q = new WorkQueue({ clock, backoff: policy });
    let calls = 0;
    const run = runWorkers(q, 2, () => {
      calls++;
      return calls < 3 ? Promise.reject(new Error('boom')) : Promise.resolve();
    });
    q.add('k');
    await settle();
    expect(calls).toBe(1);
    await clock.advance(100);
    expect(calls).toBe(2);
    await clock.advance(199);
    expect(calls).toBe(2);
    await clock.advance(1);
    expect(calls).toBe(3);
    await q.shutDown();
    await run;
  });
});

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { EventDeduper, eventKey, type EventInput } from '../../../src/runtime/events.ts';

const input = (note: string): EventInput => ({
  regarding: { apiVersion: 'westward.io/v1alpha1', kind: 'FactoryWorkload', name: 'vision', namespace: 'plant-a', uid: 'u1' },
  type: 'Normal',
  reason: 'Moved',
  action: 'Reschedule',
  note,
});

describe('EventDeduper', () => {
  it('creates once, folds repeats into a series written at most once per flush interval', () => {
    const d = new EventDeduper({ windowMs: 600_000, flushIntervalMs: 60_000 });
    const key = eventKey(input('moved to gansu'));
    expect(d.observe(key, 'plant-a', 0)).toEqual({ write: 'create' });
    d.created(key, 'vision.abc');
    expect(d.observe(key, 'plant-a', 10_000)).toEqual({ write: 'none', count: 2 });
    expect(d.observe(key, 'plant-a', 30_000)).toEqual({ write: 'none', count: 3 });
    expect(d.observe(key, 'plant-a', 60_000)).toEqual({ write: 'series', count: 4, name: 'vision.abc', namespace: 'plant-a' });
    expect(d.observe(key, 'plant-a', 61_000)).toEqual({ write: 'none', count: 5 });
  });

  it('starts a new Event after a quiet window, and for a different message', () => {
    const d = new EventDeduper({ windowMs: 600_000 });
    const a = eventKey(input('moved to gansu'));
    const b = eventKey(input('moved to ningxia'));
    expect(a).not.toBe(b);
    d.observe(a, 'plant-a', 0);
    d.created(a, 'n1');
    expect(d.observe(b, 'plant-a', 1)).toEqual({ write: 'create' });
    expect(d.observe(a, 'plant-a', 600_002)).toEqual({ write: 'create' });
  });

  it('repeats before the create finished (no name yet) do not write a series without a target', () => {
    const d = new EventDeduper();
    const key = eventKey(input('x'));
    d.observe(key, 'ns', 0);
    expect(d.observe(key, 'ns', 120_000).write).toBe('create');
  });

  it('writes at most 1 + T/flush times for any burst of repeats (property), and stays bounded', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 5_000 }), { minLength: 1, maxLength: 300 }), (gaps) => {
        const flush = 60_000;
        const d = new EventDeduper({ windowMs: 600_000, flushIntervalMs: flush, maxEntries: 8 });
        const key = eventKey(input('flap'));
        let now = 0;
        let writes = 0;
        for (const gap of gaps) {
          now += gap;
          const r = d.observe(key, 'ns', now);
          if (r.write === 'create') d.created(key, 'e1');
          if (r.write !== 'none') writes++;
        }
        // Gaps ≤ 5 s never exceed the window, so all occurrences form one series.
        expect(writes).toBeLessThanOrEqual(1 + Math.floor(now / flush));
        for (let i = 0; i < 50; i++) d.observe(`other-${i}`, 'ns', now);
        expect(d.size()).toBeLessThanOrEqual(8);
      }),
    );
  });
});

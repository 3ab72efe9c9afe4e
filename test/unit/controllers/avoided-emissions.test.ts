import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { accrueAvoidedEmissions, emissionsGrams } from '../../../src/controllers/factoryworkload/avoided-emissions.ts';

const step = 15 * 60_000;
const start = new Date('2026-11-29T00:00:00Z');

describe('emissionsGrams', () => {
  it('is power × time × PUE × intensity', () => {
    // 2 kW for 30 min at PUE 1.2 and 500 g/kWh: 1 kWh × 1.2 × 500 = 600 g
    expect(emissionsGrams(2000, 30 * 60_000, { pue: 1.2, carbonIntensity: 500 })).toBeCloseTo(600, 9);
  });
});

describe('accrueAvoidedEmissions', () => {
  const base = {
    stepMs: step,
    replicas: 4,
    powerPerReplicaW: 500,
    actual: { pue: 1.1, carbonIntensity: 100 },
    nearest: { pue: 1.3, carbonIntensity: 600 },
  };

  it('starts a record at zero', () => {
    const a = accrueAvoidedEmissions({ ...base, previous: undefined, now: start });
    expect(a.record).toEqual({ grams: 0, since: start.toISOString(), accountedUntil: start.toISOString() });
    expect(a.changed).toBe(true);
  });

  it('writes nothing between steps', () => {
    const record = { grams: 10, since: start.toISOString(), accountedUntil: start.toISOString() };
    const a = accrueAvoidedEmissions({ ...base, previous: record, now: new Date(start.getTime() + step - 1) });
    expect(a.changed).toBe(false);
    expect(a.record).toBe(record);
    expect(a.nextDueMs).toBe(start.getTime() + step);
  });

  it('accrues whole steps only, by hand: 2 kW for 30 min, 1 kWh × (1.3×600 − 1.1×100) = 670 g', () => {
    const record = { grams: 0, since: start.toISOString(), accountedUntil: start.toISOString() };
    const a = accrueAvoidedEmissions({ ...base, previous: record, now: new Date(start.getTime() + 2 * step + 60_000) });
    expect(a.record.grams).toBe(670);
    expect(a.record.accountedUntil).toBe(new Date(start.getTime() + 2 * step).toISOString());
  });

  it('is negative when the placement emits more than the nearest hub would', () => {
    const record = { grams: 0, since: start.toISOString(), accountedUntil: start.toISOString() };
    const a = accrueAvoidedEmissions({ ...base, actual: base.nearest, nearest: base.actual, previous: record, now: new Date(start.getTime() + step) });
    expect(a.record.grams).toBeLessThan(0);
  });

  it('splitting time into several accruals gives the same total as one (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 5 * step }), { minLength: 1, maxLength: 12 }), (gaps) => {
        let record = accrueAvoidedEmissions({ ...base, previous: undefined, now: start }).record;
        let t = start.getTime();
        for (const gap of gaps) {
          t += gap;
          record = accrueAvoidedEmissions({ ...base, previous: record, now: new Date(t) }).record;
        }
        const once = accrueAvoidedEmissions({ ...base, previous: { grams: 0, since: start.toISOString(), accountedUntil: start.toISOString() }, now: new Date(t) });
        // rounding to whole grams happens per accrual
        expect(Math.abs(record.grams - once.record.grams)).toBeLessThanOrEqual(gaps.length);
        expect(record.accountedUntil).toBe(once.record.accountedUntil);
      }),
    );
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { completeSignals, resolveHubSlots } from '../../../src/forecast/slots.ts';
import type { Forecast, ForecastPoint } from '../../../src/forecast/types.ts';

const hour = 3_600_000;
const t0 = Date.UTC(2026, 10, 29, 0);
const grid = { gridCarbonIntensity: 600 };

function point(fromH: number, toH: number, ci: number | null, share: number | null, mw: number | null = null): ForecastPoint {
  return { start: new Date(t0 + fromH * hour).toISOString(), end: new Date(t0 + toH * hour).toISOString(), carbonIntensity: ci, renewableShare: share, renewableMW: mw, estimated: false };
}

function forecast(points: ForecastPoint[]): Forecast {
  return { provider: 'Static', fetchedAt: new Date(t0).toISOString(), validUntil: new Date(t0 + 48 * hour).toISOString(), points };
}

describe('resolveHubSlots', () => {
  it('no forecast: every slot at the declared grid, share 0', () => {
    const slots = resolveHubSlots(null, grid, { startMs: t0, endMs: t0 + 3 * hour, stepMs: hour });
    expect(slots).toEqual([0, 1, 2].map((i) => ({ startMs: t0 + i * hour, endMs: t0 + (i + 1) * hour, carbonIntensity: 600, renewableShare: 0, renewableMW: null })));
  });

  it('time-weighted means of half-hour points; gaps filled by the grid', () => {
    const f = forecast([point(0, 0.5, 100, 0.9), point(0.5, 1, 200, 0.7), point(2, 3, 50, 0.95)]);
    const slots = resolveHubSlots(f, grid, { startMs: t0, endMs: t0 + 3 * hour, stepMs: hour });
    expect(slots[0]?.carbonIntensity).toBeCloseTo(150, 12);
    expect(slots[0]?.renewableShare).toBeCloseTo(0.8, 12);
    expect(slots[1]).toMatchObject({ carbonIntensity: 600, renewableShare: 0 });
    expect(slots[2]).toMatchObject({ carbonIntensity: 50, renewableShare: 0.95 });
  });

  it('a slot half covered: half forecast, half grid', () => {
    const slots = resolveHubSlots(forecast([point(0, 0.5, 100, 1)]), grid, { startMs: t0, endMs: t0 + hour, stepMs: hour });
    expect(slots[0]?.carbonIntensity).toBeCloseTo(350, 12);
    expect(slots[0]?.renewableShare).toBeCloseTo(0.5, 12);
  });

  it('carbon-only and share-only points complete each other through ci = grid·(1 − share)', () => {
    expect(completeSignals(150, null, 600)).toEqual({ carbonIntensity: 150, renewableShare: 0.75 });
    expect(completeSignals(900, null, 600)).toEqual({ carbonIntensity: 900, renewableShare: 0 });
    expect(completeSignals(null, 0.25, 600)).toEqual({ carbonIntensity: 450, renewableShare: 0.25 });
    expect(completeSignals(null, null, 600)).toBeNull();
  });

  it('MW-based hubs keep renewableMW, gaps counting 0 MW', () => {
    const f = forecast([point(0, 1, 0, 1, 300), point(1, 2, null, null, null)]);
    const slots = resolveHubSlots(f, grid, { startMs: t0, endMs: t0 + 2 * hour, stepMs: hour });
    expect(slots.map((s) => s.renewableMW)).toEqual([300, 0]);
    expect(slots[1]).toMatchObject({ carbonIntensity: 600, renewableShare: 0 });
  });

  it('property: values bounded by the inputs and the grid, slots tile the horizon', () => {
    const arbPoint = fc.record({ ci: fc.option(fc.double({ min: 0, max: 1000, noNaN: true })), share: fc.option(fc.double({ min: 0, max: 1, noNaN: true })), len: fc.integer({ min: 1, max: 90 }), gap: fc.integer({ min: 0, max: 60 }) });
    fc.assert(fc.property(fc.array(arbPoint, { maxLength: 20 }), fc.integer({ min: 5, max: 120 }), (raw, stepMin) => {
      let t = t0;
      const points: ForecastPoint[] = raw.map((r) => {
        t += r.gap * 60_000;
        const p = { start: new Date(t).toISOString(), end: new Date(t + r.len * 60_000).toISOString(), carbonIntensity: r.ci, renewableShare: r.share, renewableMW: null, estimated: false };
        t += r.len * 60_000;
        return p;
      });
      const horizon = { startMs: t0, endMs: t0 + 6 * hour, stepMs: stepMin * 60_000 };
      const slots = resolveHubSlots(forecast(points), grid, horizon);
      expect(slots[0]?.startMs).toBe(horizon.startMs);
      expect(slots[slots.length - 1]?.endMs).toBe(horizon.endMs);
      slots.forEach((s, i) => {
        if (i > 0) expect(s.startMs).toBe(slots[i - 1]?.endMs);
        expect(Number.isFinite(s.carbonIntensity)).toBe(true);
        expect(s.carbonIntensity).toBeGreaterThanOrEqual(-1e-9);
        expect(s.carbonIntensity).toBeLessThanOrEqual(1000 + 1e-9);
        expect(s.renewableShare).toBeGreaterThanOrEqual(-1e-12);
        expect(s.renewableShare).toBeLessThanOrEqual(1 + 1e-12);
      });
    }));
  });
});

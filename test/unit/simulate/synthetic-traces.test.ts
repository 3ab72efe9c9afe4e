import { describe, expect, it } from 'vitest';
import type { Hub } from '../../../src/model/kube.ts';
import { clearSkyGhi, syntheticCsv, syntheticHubTrace, syntheticWeather } from '../../../src/simulate/synthetic-traces.ts';
import { parseTraceCsv } from '../../../src/simulate/trace.ts';

const hub: Hub = {
  metadata: { name: 'gansu' },
  spec: {
    location: { latitude: 35.7, longitude: 107.6 },
    nodeSelector: { matchLabels: { a: 'b' } },
    energy: { pue: 1.15, gridCarbonIntensity: 560, baseLoadMW: 150, renewables: { solarMW: 1200, windMW: 1500 } },
  },
};
const from = Date.UTC(2026, 5, 1);

describe('synthetic traces', () => {
  it('the same seed gives the same trace, another seed another', () => {
    expect(syntheticHubTrace(hub, from, 48, 1)).toEqual(syntheticHubTrace(hub, from, 48, 1));
    expect(syntheticHubTrace(hub, from, 48, 1)).not.toEqual(syntheticHubTrace(hub, from, 48, 2));
  });

  it('has no sun at night, stays within the installed capacity, and intensity follows the uncovered base load', () => {
    const weather = syntheticWeather({ latitude: 35.7, longitude: 107.6 }, from, 24 * 14, 3);
    // 107.6°E: local solar midnight is about 16:50 UTC
    for (const w of weather.filter((x) => new Date(x.startMs).getUTCHours() === 17)) expect(w.ghi).toBe(0);
    expect(Math.max(...weather.map((w) => w.ghi))).toBeLessThanOrEqual(clearSkyGhi(0));
    expect(Math.max(...weather.map((w) => w.ghi))).toBeGreaterThan(500);
    const rows = syntheticHubTrace(hub, from, 24 * 14, 3);
    for (const r of rows) {
      expect(r.renewableMW).toBeGreaterThanOrEqual(0);
      expect(r.renewableMW).toBeLessThanOrEqual(1200 + 1500);
      expect(r.carbonIntensity).toBeCloseTo(560 * (1 - Math.min(1, r.renewableMW / 150)), 9);
    }
    expect(new Set(rows.map((r) => r.renewableShare < 1)).size).toBe(2);
  });

  it('writes a CSV the trace reader accepts, marked synthetic', () => {
    const rows = syntheticHubTrace(hub, from, 24, 1);
    const csv = syntheticCsv('gansu', rows, 1);
    expect(csv.split('\n')[0]).toMatch(/SYNTHETIC/);
    const trace = parseTraceCsv(csv, 'gansu.synthetic.csv');
    expect(trace.points).toHaveLength(24);
    expect(trace.points[5]?.renewableMW).toBeCloseTo(rows[5]?.renewableMW ?? NaN, 1);
  });
});

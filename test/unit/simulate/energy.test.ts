import { describe, expect, it } from 'vitest';
import { marginalIntensity, signalRenewableShare, stepEnergy } from '../../../src/simulate/energy.ts';

const hub = { pue: 1.25, gridCarbonIntensity: 600, baseLoadMW: 10 };

describe('stepEnergy', () => {
  it('prices all load at the trace intensity where there is no renewable output', () => {
    // 0.4 MW IT × 1.25 = 0.5 MW for 2 h = 1 MWh = 1000 kWh × 200 g = 200 kg; share 30 %
    const e = stepEnergy({ carbonIntensity: 200, renewableShare: 0.3, renewableMW: null }, hub, 0.4, 2);
    expect(e.energyMWh).toBeCloseTo(1, 12);
    expect(e.grams).toBeCloseTo(200_000, 6);
    expect(e.greenMWh).toBeCloseTo(0.3, 12);
  });

  it('serves the base load first, then the placed load is green up to the rest, grid above it', () => {
    // renewables 10.3 MW, base 10 -> 0.3 MW headroom; facility 0.5 MW for 1 h: 0.3 green, 0.2 grid × 600 g/kWh
    const e = stepEnergy({ carbonIntensity: 50, renewableShare: 0.9, renewableMW: 10.3 }, hub, 0.4, 1);
    expect(e.greenMWh).toBeCloseTo(0.3, 12);
    expect(e.grams).toBeCloseTo(200 * 600, 6);
    expect(stepEnergy({ carbonIntensity: 50, renewableShare: 0.9, renewableMW: 5 }, hub, 0.4, 1).grams).toBeCloseTo(500 * 600, 6);
    expect(stepEnergy({ carbonIntensity: 50, renewableShare: 0.9, renewableMW: 20 }, hub, 0.4, 1).grams).toBe(0);
  });

  it('derives a share from the intensity only where the trace has none', () => {
    expect(signalRenewableShare({ carbonIntensity: 150, renewableShare: null, renewableMW: null }, hub)).toBeCloseTo(0.75, 12);
    expect(signalRenewableShare({ carbonIntensity: 900, renewableShare: null, renewableMW: null }, hub)).toBe(0);
    expect(signalRenewableShare({ carbonIntensity: 150, renewableShare: 0.1, renewableMW: null }, hub)).toBe(0.1);
  });

  it('the marginal intensity is zero while green headroom remains', () => {
    const signal = { carbonIntensity: 50, renewableShare: 1, renewableMW: 10.3 };
    expect(marginalIntensity(signal, hub, 0, 0.2)).toBe(0); // 0.25 MW facility ≤ 0.3
    expect(marginalIntensity(signal, hub, 0.2, 0.1)).toBe(600); // 0.375 > 0.3
    expect(marginalIntensity({ carbonIntensity: 42, renewableShare: null, renewableMW: null }, hub, 5, 1)).toBe(42);
  });
});

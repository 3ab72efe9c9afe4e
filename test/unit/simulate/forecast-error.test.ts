import { describe, expect, it } from 'vitest';
import { forecastErrors, leadTimeScale, perturbSignal } from '../../../src/simulate/forecast-error.ts';

describe('forecast error', () => {
  it('is zero without error and the same for the same seed, hub and step', () => {
    expect(forecastErrors({ mape: 0, seed: 1 }, 0, 0, 5)).toEqual([0, 0, 0, 0, 0]);
    expect(forecastErrors({ mape: 0.1, seed: 3 }, 2, 7, 24)).toEqual(forecastErrors({ mape: 0.1, seed: 3 }, 2, 7, 24));
    expect(forecastErrors({ mape: 0.1, seed: 3 }, 2, 7, 24)).not.toEqual(forecastErrors({ mape: 0.1, seed: 4 }, 2, 7, 24));
  });

  it('lead-time scale grows and averages to one', () => {
    const scale = leadTimeScale(24);
    expect(scale.reduce((a, b) => a + b, 0) / 24).toBeCloseTo(1, 12);
    for (let k = 1; k < 24; k++) expect(scale[k] ?? 0).toBeGreaterThan(scale[k - 1] ?? 0);
  });

  it('the mean absolute error over many forecasts is the requested MAPE, larger at long lead times', () => {
    const horizon = 24;
    let total = 0;
    let first = 0;
    let last = 0;
    const forecasts = 4000;
    for (let i = 0; i < forecasts; i++) {
      const errors = forecastErrors({ mape: 0.1, seed: 11 }, i % 8, i, horizon);
      total += errors.reduce((a, e) => a + Math.abs(e), 0) / horizon;
      first += Math.abs(errors[0] ?? 0);
      last += Math.abs(errors[horizon - 1] ?? 0);
    }
    expect(total / forecasts).toBeGreaterThan(0.095);
    expect(total / forecasts).toBeLessThan(0.105);
    expect(last / forecasts).toBeGreaterThan(2 * (first / forecasts));
  });

  it('intensity moves against renewables, and both stay in range', () => {
    const seen = perturbSignal({ carbonIntensity: 100, renewableShare: 0.8, renewableMW: 50 }, 0.5);
    expect(seen).toEqual({ carbonIntensity: 150, renewableShare: 0.4, renewableMW: 25 });
    expect(perturbSignal({ carbonIntensity: 100, renewableShare: 0.8, renewableMW: null }, -0.5).renewableShare).toBe(1);
  });
});

import { describe, expect, it } from 'vitest';
import { cellTemperature, defaultPvParams, isotropicPoa, pvPowerMW } from '../../../src/forecast/models/pv.ts';
import { sunPosition } from '../../../src/forecast/models/solar-position.ts';
import { scaleWindSpeed, windPowerFraction, windPowerMW } from '../../../src/forecast/models/wind.ts';

const pv = (ratedMW: number) => ({ ...defaultPvParams, ratedMW });

describe('PV model', () => {
  it('cell temperature follows the NOCT rule', () => {
    // 20 °C air, 800 W/m²: 20 + 800·25/800 = 45 (the NOCT conditions themselves)
    expect(cellTemperature(20, 800)).toBeCloseTo(45, 10);
    expect(cellTemperature(10, 0)).toBe(10);
  });

  it('matches hand-computed output', () => {
    // 1000 W/m², 25 °C air: T_cell = 25 + 31.25 = 56.25; 100·1·(1 − 0.004·31.25)·0.86 = 75.25
    expect(pvPowerMW(1000, 25, pv(100))).toBeCloseTo(75.25, 9);
    // 800 W/m², 25 °C air: T_cell = 50; 100·0.8·0.9·0.86 = 61.92
    expect(pvPowerMW(800, 25, pv(100))).toBeCloseTo(61.92, 9);
    // 500 W/m², −5 °C air: T_cell = 10.625; 50·0.5·(1 + 0.0575)·0.86 = 22.736 25
    expect(pvPowerMW(500, -5, pv(50))).toBeCloseTo(22.73625, 9);
  });

  it('is zero in the dark, never negative, clipped at the AC limit', () => {
    expect(pvPowerMW(0, 30, pv(100))).toBe(0);
    expect(pvPowerMW(-5, 30, pv(100))).toBe(0);
    expect(pvPowerMW(1000, -20, { ...pv(100), acLimitMW: 70 })).toBe(70);
  });

  it('isotropic transposition: horizontal plane sees GHI-like beam + diffuse', () => {
    const sun = { zenithDeg: 0, azimuthDeg: 180 };
    // flat plate, sun overhead: DNI·1 + DHI·1 + 0 ground
    expect(isotropicPoa(900, 800, 100, sun, { tiltDeg: 0, azimuthDeg: 180, albedo: 0.2 })).toBeCloseTo(900, 9);
    // vertical south plate, sun overhead: no beam, half the sky, half the ground at albedo 0.2
    expect(isotropicPoa(900, 800, 100, sun, { tiltDeg: 90, azimuthDeg: 180, albedo: 0.2 })).toBeCloseTo(50 + 90, 9);
    // sun below the horizon: only sky diffuse
    expect(isotropicPoa(0, 0, 20, { zenithDeg: 95, azimuthDeg: 0 }, { tiltDeg: 0, azimuthDeg: 180, albedo: 0.2 })).toBeCloseTo(20, 9);
  });

  it('puts the sun where it should be', () => {
    // March equinox 2026 (20 March), solar noon at longitude 0 is about 12:07 UTC: zenith ≈ latitude
    const noon = sunPosition(Date.UTC(2026, 2, 20, 12, 7), 40, 0);
    expect(noon.zenithDeg).toBeGreaterThan(39);
    expect(noon.zenithDeg).toBeLessThan(41);
    expect(Math.abs(noon.azimuthDeg - 180)).toBeLessThan(3);
    // Midnight in Qingyang (UTC+8 → 16:00 UTC): below the horizon
    expect(sunPosition(Date.UTC(2026, 5, 1, 16), 35.71, 107.64).zenithDeg).toBeGreaterThan(90);
    // June solstice noon at the Tropic of Cancer: nearly overhead
    expect(sunPosition(Date.UTC(2026, 5, 21, 12, 2), 23.44, 0).zenithDeg).toBeLessThan(1);
  });
});

describe('wind model', () => {
  it('power curve by hand', () => {
    expect(windPowerFraction(2.9)).toBe(0);
    expect(windPowerFraction(3)).toBe(0);
    // (7.5³ − 3³)/(12³ − 3³) = (421.875 − 27)/(1728 − 27) = 394.875/1701
    expect(windPowerFraction(7.5)).toBeCloseTo(394.875 / 1701, 12);
    expect(windPowerFraction(12)).toBe(1);
    expect(windPowerFraction(24.9)).toBe(1);
    expect(windPowerFraction(25)).toBe(0);
    expect(windPowerFraction(Number.NaN)).toBe(0);
    expect(windPowerMW(7.5, 200)).toBeCloseTo((200 * 394.875) / 1701, 9);
  });

  it('power-law scaling', () => {
    // (128/1)^(1/7) = 2 exactly
    expect(scaleWindSpeed(5, 1, 128)).toBeCloseTo(10, 12);
    expect(scaleWindSpeed(8, 100, 100)).toBe(8);
    expect(scaleWindSpeed(10, 80, 120, 0.2)).toBeCloseTo(10 * 1.5 ** 0.2, 12);
  });

  it('is monotone up to rated', () => {
    let previous = -1;
    for (let v = 0; v <= 24; v += 0.25) {
      const f = windPowerFraction(v);
      expect(f).toBeGreaterThanOrEqual(previous);
      expect(f).toBeLessThanOrEqual(1);
      previous = f;
    }
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { durationPattern, formatDuration, parseDuration } from '../../../src/api/duration.ts';
import { loadCrd } from './load.ts';

describe('parseDuration', () => {
  // Expected values computed by hand: 1h = 3 600 000 ms, 1m = 60 000 ms.
  it.each([
    ['90s', 90_000],
    ['15m', 900_000],
    ['3h', 10_800_000],
    ['1h30m', 5_400_000],
    ['1.5h', 5_400_000],
    ['250ms', 250],
    ['1m30.5s', 90_500],
    ['2h0m5s', 7_205_000],
    ['0s', 0],
    ['0', 0],
  ])('%s is %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '15', 'm', '-5m', '1 h', '1d', '15M', 'h1', '1.h', '.5h', '1h 30m', '15min'])('refuses %j', (text) => {
    expect(() => parseDuration(text)).toThrow(/invalid duration/);
  });

  it('accepts exactly what the CRDs pattern accepts', () => {
    const crdPattern = loadCrd('hubs').spec.versions[0]?.schema.openAPIV3Schema.properties?.['spec']?.properties?.[
      'forecast'
    ]?.properties?.['refreshInterval']?.pattern;
    expect(crdPattern).toBe(durationPattern.source);
    const pattern = new RegExp(crdPattern ?? '^$');
    for (const text of ['15m', '1h30m', '15min', '1d', '0.5h', 'abc', '90s', '1.5', 'ms']) {
      if (pattern.test(text)) expect(() => parseDuration(text), text).not.toThrow();
      else expect(() => parseDuration(text), text).toThrow(/invalid duration/);
    }
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [250, '250ms'],
    [1_500, '1.5s'],
    [90_000, '1m30s'],
    [900_000, '15m'],
    [5_400_000, '1h30m'],
    [3_605_000, '1h5s'],
    [10_800_000, '3h'],
  ])('%d ms is %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it.each([-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])('refuses %d', (ms) => {
    expect(() => formatDuration(ms)).toThrow(/cannot format/);
  });

  it('round-trips through parseDuration and matches the CRD pattern', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1_000 * 3_600_000 }), (ms) => {
        const text = formatDuration(ms);
        expect(text === '0s' || durationPattern.test(text)).toBe(true);
        expect(parseDuration(text)).toBe(ms);
      }),
    );
  });
});

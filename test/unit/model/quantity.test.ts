import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { bytes, cpuMillicores, formatBytes, formatCpu, parseQuantity, QuantityError } from '../../../src/model/quantity.ts';

describe('parseQuantity', () => {
  it.each([
    ['500m', 0.5],
    ['2', 2],
    ['0.5', 0.5],
    ['.5', 0.5],
    ['64Gi', 64 * 1024 ** 3],
    ['1Ki', 1024],
    ['1Mi', 1024 ** 2],
    ['2Ti', 2 * 1024 ** 4],
    ['1e3', 1000],
    ['1E3', 1000],
    ['1.5e-3', 0.0015],
    ['100M', 1e8],
    ['1k', 1000],
    ['1G', 1e9],
    ['1E', 1e18],
    ['250u', 0.00025],
    ['7n', 7e-9],
    ['-3', -3],
    ['+4', 4],
    [' 8 ', 8],
    [3, 3],
  ])('%s is %d', (text, value) => {
    expect(parseQuantity(text)).toBeCloseTo(value, 12);
  });

  it.each(['', 'abc', '1Qi', '1 Gi', 'Gi', '1.2.3', '1e', '--1', '1ki'])('rejects %j with a clear error', (text) => {
    expect(() => parseQuantity(text)).toThrow(QuantityError);
    expect(() => parseQuantity(text)).toThrow(/invalid quantity/);
  });

  it('cpu in millicores rounds up like Kubernetes', () => {
    expect(cpuMillicores('300m')).toBe(300);
    expect(cpuMillicores('0.1m')).toBe(1);
    expect(cpuMillicores('1.5')).toBe(1500);
    expect(cpuMillicores('2')).toBe(2000);
  });

  it('millicores and binary byte counts survive a round trip through their string forms', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000_000 }), (milli) => cpuMillicores(formatCpu(milli)) === milli),
    );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 20 }), fc.constantFrom(1, 1024, 1024 ** 2, 1024 ** 3), (n, unit) => bytes(formatBytes(n * unit)) === n * unit),
    );
  });

  it('a decimal suffix scales the number by its power of ten', () => {
    const suffixes = [['k', 3], ['M', 6], ['G', 9], ['T', 12]] as const;
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100_000 }), fc.constantFrom(...suffixes), (n, [suffix, power]) => {
        expect(parseQuantity(`${n}${suffix}`)).toBe(n * 10 ** power);
        expect(parseQuantity(`${n}e${power}`)).toBe(n * 10 ** power);
      }),
    );
  });
});

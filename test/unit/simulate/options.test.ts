import { describe, expect, it } from 'vitest';
import { OptionError, parseCount, parseForecastError, parseStep, parseTime, parseTraceOption } from '../../../src/simulate/options.ts';

describe('simulate options', () => {
  it.each([
    ['0', 0],
    ['0.1', 0.1],
    ['10%', 0.1],
    ['10', 0.1],
    [' 20 % '.replace(' %', '%'), 0.2],
    ['1', 1],
  ])('forecast error %j is %d', (text, value) => {
    if (value >= 1) expect(() => parseForecastError(text)).toThrow(OptionError);
    else expect(parseForecastError(text)).toBeCloseTo(value, 12);
  });

  it.each(['', 'x', '-5%', '100%', '150'])('rejects forecast error %j', (text) => {
    expect(() => parseForecastError(text)).toThrow(/invalid --forecast-error/);
  });

  it('splits --trace at the first equals sign and rejects a missing side', () => {
    expect(parseTraceOption('gansu=a=b.csv')).toEqual(['gansu', 'a=b.csv']);
    expect(() => parseTraceOption('gansu')).toThrow(OptionError);
    expect(() => parseTraceOption('=x.csv')).toThrow(OptionError);
    expect(() => parseTraceOption('gansu=')).toThrow(OptionError);
  });

  it('reads times as UTC unless they carry an offset', () => {
    expect(parseTime('2023-01-01T00:00:00', '--from')).toBe(Date.UTC(2023, 0, 1));
    expect(parseTime('2023-01-01T08:00:00+08:00', '--from')).toBe(Date.UTC(2023, 0, 1));
    expect(parseTime('2023-01-01', '--from')).toBe(Date.UTC(2023, 0, 1));
    expect(() => parseTime('yesterday', '--to')).toThrow(/invalid --to "yesterday"/);
  });

  it('reads steps as Go durations and counts as whole numbers', () => {
    expect(parseStep('1h', '--step')).toBe(3_600_000);
    expect(parseStep('15m', '--step')).toBe(900_000);
    expect(() => parseStep('0', '--step')).toThrow(/must be positive/);
    expect(() => parseStep('an hour', '--step')).toThrow(/invalid --step/);
    expect(parseCount('3', '--seed')).toBe(3);
    expect(() => parseCount('1.5', '--seed')).toThrow(OptionError);
  });
});

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseTraceCsv, resampleTrace, splitCsvLine, TraceError } from '../../../src/simulate/trace.ts';

const emHeader =
  'Datetime (UTC),Country,Zone Name,Zone Id,Carbon Intensity gCO₂eq/kWh (direct),Carbon Intensity gCO₂eq/kWh (LCA),Low Carbon Percentage,Renewable Percentage,Data Source,Data Estimated,Data Estimation Method';
const h = 3_600_000;
const t0 = Date.UTC(2023, 0, 1);

describe('parseTraceCsv', () => {
  it('reads the Electricity Maps export by column name', () => {
    const trace = parseTraceCsv(
      `${emHeader}\n2023-01-01 00:00:00,Spain,Spain,ES,82.99,114.42,84.03,50.66,entsoe.eu,false,\n2023-01-01 01:00:00,Spain,Spain,ES,85.96,117.69,83.61,49.16,entsoe.eu,false,\n`,
      'es.csv',
    );
    expect(trace.hasRenewableShare).toBe(true);
    expect(trace.hasRenewableMW).toBe(false);
    expect(trace.points.map((p) => [p.startMs, p.carbonIntensity, p.renewableMW])).toEqual([
      [t0, 82.99, null],
      [t0 + h, 85.96, null],
    ]);
    expect(trace.points[0]?.renewableShare).toBeCloseTo(0.5066, 12);
    expect(trace.points[1]?.renewableShare).toBeCloseTo(0.4916, 12);
  });

  it('reads the two-column format without inventing a renewable share', () => {
    const trace = parseTraceCsv('Time,Carbon Intensity\r\n2019-12-20 00:00:00,42.5\r\n2019-12-20 00:30:00,40\r\n', 'fr.csv');
    expect(trace.hasRenewableShare).toBe(false);
    expect(trace.points.map((p) => [p.startMs, p.carbonIntensity, p.renewableShare])).toEqual([
      [Date.UTC(2019, 11, 20), 42.5, null],
      [Date.UTC(2019, 11, 20, 0, 30), 40, null],
    ]);
  });

  it('skips comment lines before the header and reads the renewable output column', () => {
    const trace = parseTraceCsv('# SYNTHETIC\n# more\nDatetime (UTC),Carbon Intensity,Renewable Percentage,Renewable Output MW\n2026-06-01 00:00:00,10,90,120.5\n', 's.csv');
    expect(trace.points[0]).toEqual({ startMs: Date.UTC(2026, 5, 1), carbonIntensity: 10, renewableShare: 0.9, renewableMW: 120.5 });
  });

  it.each([
    ['Time,Carbon Intensity\n2019-12-20 00:00:00,abc\n', 'bad.csv:2: invalid carbon intensity "abc"'],
    ['Time,Carbon Intensity\n2019-12-20 00:00:00,1\nnot a time,2\n', 'bad.csv:3: invalid time "not a time"'],
    ['Time,Carbon Intensity\n2019-12-20 01:00:00,1\n2019-12-20 00:00:00,2\n', 'bad.csv:3: time 2019-12-20 00:00:00 does not come after the row before'],
    ['Time,Carbon Intensity\n2019-12-20 00:00:00,-5\n', 'bad.csv:2: invalid carbon intensity "-5"'],
    ['Time,Carbon Intensity\n2019-12-20 00:00:00\n', 'bad.csv:2: expected 2 fields, found 1'],
    [`${emHeader}\n2023-01-01 00:00:00,Spain,Spain,ES,82.99,114.42,84.03,,entsoe.eu,false,\n`, 'bad.csv:2: invalid renewable percentage ""'],
    [`${emHeader}\n2023-01-01 00:00:00,Spain,Spain,ES,82.99,114.42,84.03,101,entsoe.eu,false,\n`, 'bad.csv:2: renewable percentage 101 is above 100'],
    ['When,Value\n2019-12-20 00:00:00,1\n', 'bad.csv:1: expected a time column'],
    ['Time,Carbon Intensity\n', 'bad.csv:1: no data rows'],
  ])('a bad file is rejected naming file and line: %j', (text, message) => {
    expect(() => parseTraceCsv(text, 'bad.csv')).toThrow(TraceError);
    expect(() => parseTraceCsv(text, 'bad.csv')).toThrow(message);
  });

  it('splits quoted CSV fields', () => {
    expect(splitCsvLine('a,"b, c","d ""e"""')).toEqual(['a', 'b, c', 'd "e"']);
  });
});

describe('resampleTrace', () => {
  const quarterHours = parseTraceCsv(
    'Time,Carbon Intensity\n2020-01-01 00:00:00,100\n2020-01-01 00:15:00,200\n2020-01-01 00:30:00,300\n2020-01-01 00:45:00,400\n2020-01-01 01:00:00,10\n2020-01-01 01:15:00,10\n2020-01-01 01:30:00,10\n2020-01-01 01:45:00,30\n',
    'q.csv',
  );
  const start = Date.UTC(2020, 0, 1);

  it('averages finer rows into the step', () => {
    expect(resampleTrace(quarterHours, start, start + 2 * h, h).map((s) => s.carbonIntensity)).toEqual([250, 15]);
  });

  it('holds coarser rows over finer steps and weights partial overlaps', () => {
    const hourly = parseTraceCsv('Time,Carbon Intensity,Renewable Percentage\n2020-01-01 00:00:00,100,50\n2020-01-01 01:00:00,200,20\n', 'h.csv');
    const steps = resampleTrace(hourly, start, start + 2 * h, h / 2);
    expect(steps.map((s) => s.carbonIntensity)).toEqual([100, 100, 200, 200]);
    expect(steps.map((s) => s.renewableShare)).toEqual([0.5, 0.5, 0.2, 0.2]);
    // a step from 00:30 to 01:30 straddles both rows equally
    expect(resampleTrace(hourly, start + h / 2, start + h * 1.5, h)[0]?.carbonIntensity).toBe(150);
  });

  it('throws naming the trace when the required range is not covered, and stops at the end otherwise', () => {
    expect(() => resampleTrace(quarterHours, start - h, start + h, h, 1)).toThrow(/q\.csv: does not cover 2019-12-31T23:00:00.000Z/);
    expect(resampleTrace(quarterHours, start, start + 10 * h, h, 2)).toHaveLength(2);
  });

  it('preserves the time-weighted mean of a constant-step series', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 4, maxLength: 48 }).filter((a) => a.length % 4 === 0), (values) => {
        const csv = ['Time,Carbon Intensity', ...values.map((v, i) => `${new Date(start + i * 900_000).toISOString()},${v}`)].join('\n');
        const steps = resampleTrace(parseTraceCsv(csv, 'p.csv'), start, start + (values.length / 4) * h, h);
        const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
        expect(mean(steps.map((s) => s.carbonIntensity))).toBeCloseTo(mean(values), 6);
      }),
    );
  });
});

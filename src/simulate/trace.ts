// Hub signal traces from CSV, read as they are exported:
// - Electricity Maps data-portal exports: `Datetime (UTC)`, `Carbon Intensity gCO₂eq/kWh (direct)`,
//   `Renewable Percentage`, among other columns;
// - two-column `Time, Carbon Intensity` files (no renewable share);
// - either with an extra `Renewable Output MW` column (the synthetic traces carry the modelled
//   wind and solar output behind the hub).
// Times without an offset are UTC.

export interface TracePoint {
  startMs: number;
  /** gCO2/kWh */
  carbonIntensity: number;
  /** 0..1, null where the file has no renewable share */
  renewableShare: number | null;
  /** MW behind the hub, null where the file has none */
  renewableMW: number | null;
}

export interface Trace {
  source: string;
  points: TracePoint[];
  hasRenewableShare: boolean;
  hasRenewableMW: boolean;
}

export class TraceError extends Error {
  override name = 'TraceError';
}

const timeColumns = ['Datetime (UTC)', 'Time', 'Datetime', 'time', 'datetime'];
const intensityColumns = ['Carbon Intensity gCO₂eq/kWh (direct)', 'Carbon Intensity gCO2eq/kWh (direct)', 'Carbon Intensity'];
const shareColumn = 'Renewable Percentage';
const renewableMWColumn = 'Renewable Output MW';

/** Splits one CSV line, honouring double quotes ("a, b" and "" inside quotes). */
export function splitCsvLine(line: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line.charAt(i);
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      fields.push(field);
      field = '';
    } else field += ch;
  }
  fields.push(field);
  return fields.map((f) => f.trim());
}

/** "2023-01-01 00:00:00" (UTC), "2023-01-01T00:00:00Z", "2023-01-01T08:00:00+08:00". */
export function parseTraceTime(text: string): number {
  const iso = text.includes('T') ? text : text.replace(' ', 'T');
  const withZone = /(?:Z|[+-]\d\d:?\d\d)$/.test(iso) ? iso : `${iso}Z`;
  return /^\d{4}-\d\d-\d\d/.test(iso) ? Date.parse(withZone) : NaN;
}

/**
 * @param source named in every error ("file.csv:12: ..."), so a bad row is found at once.
 */
export function parseTraceCsv(text: string, source: string): Trace {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const fail = (line: number, message: string): never => {
    throw new TraceError(`${source}:${line}: ${message}`);
  };
  // Lines starting with '#' before the header describe the file (the synthetic traces say so).
  let headerAt = 0;
  while (lines[headerAt]?.startsWith('#') === true) headerAt++;
  const header = splitCsvLine(lines[headerAt] ?? '');
  const timeIndex = header.findIndex((h) => timeColumns.includes(h));
  const intensityIndex = intensityColumns.map((c) => header.indexOf(c)).find((i) => i >= 0) ?? -1;
  if (timeIndex < 0 || intensityIndex < 0) {
    fail(headerAt + 1, `expected a time column (${timeColumns.slice(0, 2).join(' or ')}) and a carbon intensity column (${intensityColumns[0] ?? ''} or Carbon Intensity); found ${header.join(', ')}`);
  }
  const shareIndex = header.indexOf(shareColumn);
  const mwIndex = header.indexOf(renewableMWColumn);
  const points: TracePoint[] = [];
  for (let i = headerAt + 1; i < lines.length; i++) {
    const raw = lines[i] ?? '';
    if (raw.trim() === '' || raw.startsWith('#')) continue;
    const lineNo = i + 1;
    const fields = splitCsvLine(raw);
    if (fields.length < header.length) fail(lineNo, `expected ${header.length} fields, found ${fields.length}`);
    const timeText = fields[timeIndex] ?? '';
    const startMs = parseTraceTime(timeText);
    if (Number.isNaN(startMs)) fail(lineNo, `invalid time "${timeText}"`);
    const previous = points.at(-1);
    if (previous !== undefined && startMs <= previous.startMs) fail(lineNo, `time ${timeText} does not come after the row before`);
    const number = (index: number, what: string): number => {
      const cell = fields[index] ?? '';
      const value = cell === '' ? NaN : Number(cell);
      if (!Number.isFinite(value) || value < 0) fail(lineNo, `invalid ${what} "${cell}"`);
      return value;
    };
    const carbonIntensity = number(intensityIndex, 'carbon intensity');
    const share = shareIndex >= 0 ? number(shareIndex, 'renewable percentage') : null;
    if (share !== null && share > 100) fail(lineNo, `renewable percentage ${share} is above 100`);
    points.push({
      startMs,
      carbonIntensity,
      renewableShare: share === null ? null : share / 100,
      renewableMW: mwIndex >= 0 ? number(mwIndex, 'renewable output MW') : null,
    });
  }
  if (points.length === 0) fail(headerAt + 1, 'no data rows');
  return { source, points, hasRenewableShare: shareIndex >= 0, hasRenewableMW: mwIndex >= 0 };
}

/** One step of a hub's signal: time-weighted means over [startMs, startMs + step). */
export interface SignalStep {
  carbonIntensity: number;
  renewableShare: number | null;
  renewableMW: number | null;
}

/** Shifts every point of a trace by a time offset (to replay one year's trace as another's). */
export function shiftTrace(trace: Trace, offsetMs: number): Trace {
  return { ...trace, points: trace.points.map((p) => ({ ...p, startMs: p.startMs + offsetMs })) };
}

/** The time the trace covers up to: its last row lasts as long as the typical spacing. */
export function traceEndMs(trace: Trace): number {
  const { points } = trace;
  const last = points.at(-1);
  if (last === undefined) return -Infinity;
  const spacing = points.length > 1 ? last.startMs - (points.at(-2)?.startMs ?? last.startMs) : 3_600_000;
  return last.startMs + spacing;
}

/**
 * Resamples to a fixed step by time-weighted averages (a row holds until the next), so a
 * 15-minute trace averages into hours and an hourly trace repeats into 15-minute steps.
 * Returns the steps in [fromMs, toMs) that the trace covers completely; throws when the
 * first `requiredSteps` are not all covered.
 */
export function resampleTrace(trace: Trace, fromMs: number, toMs: number, stepMs: number, requiredSteps = 0): SignalStep[] {
  const { points } = trace;
  const endMs = traceEndMs(trace);
  const first = points[0];
  const steps: SignalStep[] = [];
  let cursor = 0;
  for (let t = fromMs; t + stepMs <= toMs; t += stepMs) {
    const stepEnd = t + stepMs;
    if (first === undefined || t < first.startMs || stepEnd > endMs) {
      if (steps.length < requiredSteps) {
        throw new TraceError(`${trace.source}: does not cover ${new Date(t).toISOString()} to ${new Date(stepEnd).toISOString()} (it covers ${first === undefined ? 'nothing' : `${new Date(first.startMs).toISOString()} to ${new Date(endMs).toISOString()}`})`);
      }
      break;
    }
    while (cursor + 1 < points.length && (points[cursor + 1]?.startMs ?? Infinity) <= t) cursor++;
    let ci = 0;
    let share = 0;
    let mw = 0;
    for (let i = cursor; i < points.length; i++) {
      const p = points[i];
      if (p === undefined || p.startMs >= stepEnd) break;
      const pEnd = points[i + 1]?.startMs ?? endMs;
      const overlap = Math.min(pEnd, stepEnd) - Math.max(p.startMs, t);
      if (overlap <= 0) continue;
      const weight = overlap / stepMs;
      ci += p.carbonIntensity * weight;
      share += (p.renewableShare ?? 0) * weight;
      mw += (p.renewableMW ?? 0) * weight;
    }
    steps.push({
      carbonIntensity: ci,
      renewableShare: trace.hasRenewableShare ? share : null,
      renewableMW: trace.hasRenewableMW ? mw : null,
    });
  }
  return steps;
}

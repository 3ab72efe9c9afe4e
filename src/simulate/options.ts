// Parsing of the simulate command's option values (pure, so the CLI stays thin and testable).
import { parseDuration } from '../api/duration.ts';

export class OptionError extends Error {
  override name = 'OptionError';
}

/** "10%", "10" (percent, since above 1) or "0.1" (fraction) -> 0.1 */
export function parseForecastError(text: string): number {
  const percent = text.trim().endsWith('%');
  const value = Number(percent ? text.trim().slice(0, -1) : text.trim());
  if (text.trim() === '' || !Number.isFinite(value) || value < 0) {
    throw new OptionError(`invalid --forecast-error "${text}": expected a fraction (0.1) or a percentage (10%)`);
  }
  const fraction = percent || value > 1 ? value / 100 : value;
  if (fraction >= 1) throw new OptionError(`invalid --forecast-error "${text}": must be below 100 %`);
  return fraction;
}

/** "gansu-qingyang=traces/gansu.csv" -> [hub, path] */
export function parseTraceOption(text: string): [string, string] {
  const at = text.indexOf('=');
  if (at <= 0 || at === text.length - 1) throw new OptionError(`invalid --trace "${text}": expected <hub>=<csv file>`);
  return [text.slice(0, at), text.slice(at + 1)];
}

const isoTime = /^(\d{4})-(\d{2})-(\d{2})(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

/** ISO 8601 date or date-time; UTC unless it carries an offset. A day that does not exist is refused. */
export function parseTime(text: string, option: string): number {
  const match = isoTime.exec(text);
  const [year, month, date] = match === null ? [NaN, NaN, NaN] : [Number(match[1]), Number(match[2]), Number(match[3])];
  // Date.parse rolls 2023-02-30 over into March: the calendar day must exist as written.
  const calendar = new Date(Date.UTC(year, month - 1, date));
  const exists = calendar.getUTCFullYear() === year && calendar.getUTCMonth() === month - 1 && calendar.getUTCDate() === date;
  const ms = exists ? Date.parse(/(?:Z|[+-]\d\d:?\d\d)$/.test(text) || !text.includes('T') ? text : `${text}Z`) : NaN;
  if (Number.isNaN(ms)) throw new OptionError(`invalid ${option} "${text}": expected an ISO 8601 time such as 2023-01-01T00:00:00Z`);
  return ms;
}

export function parseStep(text: string, option: string): number {
  let ms: number;
  try {
    ms = parseDuration(text);
  } catch (error) {
    throw new OptionError(`invalid ${option}: ${(error as Error).message}`);
  }
  if (ms <= 0) throw new OptionError(`invalid ${option} "${text}": must be positive`);
  return ms;
}

/** Digits only: "1.5", "1e3", "" and " 2" are refused rather than read as numbers. */
export function parseCount(text: string, option: string): number {
  const value = Number(text);
  if (!/^[0-9]+$/.test(text) || !Number.isSafeInteger(value)) throw new OptionError(`invalid ${option} "${text}": expected a whole number`);
  return value;
}

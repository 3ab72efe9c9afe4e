// Small checked readers for untrusted JSON. Each takes the path of the value it reads so that a
// rejection says where the body is wrong (`hourly.time[3]`), and each throws only ForecastError.
import { ForecastError } from './errors.ts';

export type Json = unknown;
export type JsonObject = Record<string, unknown>;

export function schemaError(path: string, what: string): ForecastError {
  return new ForecastError('Schema', `${path}: ${what}`);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'an array';
  // Quoted whole or not at all: a cut string could hold part of an echoed credential, which
  // redaction (matching whole values) would miss.
  if (typeof value === 'string') return value.length <= 40 ? `the string ${JSON.stringify(value)}` : `a string of ${value.length} characters`;
  return `a ${typeof value}`;
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function obj(value: unknown, path: string): JsonObject {
  if (!isObject(value)) throw schemaError(path, `expected an object, got ${describe(value)}`);
  return value;
}

export function arr(value: unknown, path: string): unknown[] {
  if (!Array.isArray(value)) throw schemaError(path, `expected an array, got ${describe(value)}`);
  return value;
}

export function str(value: unknown, path: string): string {
  if (typeof value !== 'string') throw schemaError(path, `expected a string, got ${describe(value)}`);
  return value;
}

/** A finite number; numeric strings are accepted because some providers send them. */
export function num(value: unknown, path: string): number {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n)) {
    throw schemaError(path, `expected a finite number, got ${describe(value)}`);
  }
  return n;
}

/** Like num, but null/undefined stay null (providers mark gaps that way). */
export function numOrNull(value: unknown, path: string): number | null {
  return value === null || value === undefined ? null : num(value, path);
}

const isoWithZone = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;
const isoLocal = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/;

/**
 * Epoch ms of an ISO timestamp. A time without a zone is read at `utcOffsetSeconds` (Open-Meteo
 * sends local times and says the offset separately); a time with a zone is taken as is.
 */
export function time(value: unknown, path: string, utcOffsetSeconds?: number): number {
  const s = str(value, path);
  let ms: number;
  if (isoWithZone.test(s)) ms = Date.parse(s);
  else if (utcOffsetSeconds !== undefined && isoLocal.test(s)) {
    ms = Date.parse(`${s}Z`) - utcOffsetSeconds * 1000;
  } else throw schemaError(path, `expected an ISO 8601 time with a zone, got ${describe(s)}`);
  if (!Number.isFinite(ms) || ms < minTimeMs || ms > maxTimeMs) throw schemaError(path, `not a valid time: ${describe(s)}`);
  return ms;
}

// Forecast times live in this window; outside it a body is wrong, and Date would throw later.
const minTimeMs = Date.UTC(1970, 0, 1);
const maxTimeMs = Date.UTC(2200, 0, 1);

/** ISO 8601 UTC of an epoch ms; a time no Date can hold is a Schema error, not a RangeError. */
export function iso(ms: number): string {
  if (!Number.isFinite(ms) || Math.abs(ms) > 8.64e15) throw schemaError('$', `time out of range (${ms} ms)`);
  return new Date(ms).toISOString();
}

/** The step between consecutive times, or `fallbackMs` when there is only one. */
export function stepOf(times: number[], fallbackMs: number): number {
  const a = times[0];
  const b = times[1];
  return a !== undefined && b !== undefined && b > a ? b - a : fallbackMs;
}

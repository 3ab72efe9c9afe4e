// Go-style duration strings ("90s", "15m", "1h30m", "1.5h", "250ms"), the form the CRDs accept
// (the same pattern as their schema) and CEL's duration() reads.

const unitMs = { h: 3_600_000, m: 60_000, s: 1_000, ms: 1 } as const;

/** The pattern the CRDs put on duration fields. */
export const durationPattern = /^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$/;
const term = /([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)/g;

/** Milliseconds in a Go-style duration such as "1h30m"; "0" is zero. Throws on anything else. */
export function parseDuration(s: string): number {
  if (s === '0') return 0;
  if (!durationPattern.test(s)) {
    throw new Error(`invalid duration ${JSON.stringify(s)}: expected a duration such as 90s, 15m or 1h30m (units h, m, s, ms)`);
  }
  let total = 0;
  for (const [, amount, unit] of s.matchAll(term)) {
    total += Number(amount) * unitMs[unit as keyof typeof unitMs];
  }
  if (!Number.isFinite(total)) throw new Error(`invalid duration ${JSON.stringify(s)}: too large`);
  return Math.round(total);
}

/**
 * The shortest Go-style string for a whole number of milliseconds, zero units left out:
 * 5_400_000 -> "1h30m", 90_000 -> "1m30s", 1_500 -> "1.5s", 250 -> "250ms", 0 -> "0s".
 */
export function formatDuration(ms: number): string {
  if (!Number.isSafeInteger(ms) || ms < 0) {
    throw new Error(`cannot format ${ms} as a duration: expected a non-negative whole number of milliseconds`);
  }
  if (ms === 0) return '0s';
  if (ms < 1_000) return `${ms}ms`;
  const hours = Math.floor(ms / unitMs.h);
  const minutes = Math.floor((ms % unitMs.h) / unitMs.m);
  const rest = ms % unitMs.m;
  const seconds = rest === 0 ? '' : `${String(rest / 1_000)}s`;
  return `${hours > 0 ? `${hours}h` : ''}${minutes > 0 ? `${minutes}m` : ''}${seconds}`;
}

// Exponential backoff with optional jitter, as pure functions of the attempt number.

export interface BackoffPolicy {
  /** Delay before the first retry. */
  readonly baseMs: number;
  /** Upper bound of any delay. */
  readonly maxMs: number;
  /**
   * Fraction of the delay that is randomised (0 = none, 1 = anywhere in [0, delay]).
   * Spreads restarts of many watchers so they do not hit the API server together.
   */
  readonly jitter?: number;
}

/** Delay for retry number `attempt` (1 = first retry): base · 2^(attempt−1), capped. */
export function backoffDelay(policy: BackoffPolicy, attempt: number, random: () => number = Math.random): number {
  if (attempt <= 0) return 0;
  // Cap the exponent first so large attempt counts never overflow to Infinity.
  const exponent = Math.min(attempt - 1, 52);
  const raw = Math.min(policy.baseMs * 2 ** exponent, policy.maxMs);
  const jitter = Math.min(Math.max(policy.jitter ?? 0, 0), 1);
  return raw * (1 - jitter) + raw * jitter * random();
}

// The one error type the forecast layer throws. `kind` is the retry class callers branch on; the
// message says what is wrong and where (a JSON path such as `hourly.time[3]`), never a secret.

export const forecastErrorKinds = [
  /** non-2xx answer that is none of the more specific kinds below */
  'Http',
  /** connection failed or no answer within the timeout */
  'Timeout',
  'Network',
  /** 429, after the bounded retries were used up */
  'RateLimited',
  /** 401/403, or a login that failed */
  'Auth',
  /** the body is not what the provider documents: not JSON, missing keys, wrong types, NaN */
  'Schema',
  /** a unit the parser does not know how to convert */
  'Units',
  /** a value no physical system gives (irradiance 1e9, a share of 270 %), or a time far from now */
  'OutOfRange',
  /** the body is larger than the provider's cap; reading stopped there */
  'TooLarge',
  /** no points, or too few with any value (an all-null series) */
  'TooFewPoints',
  'OutOfOrder',
  /** the hub spec or request cannot be served by this provider (missing zone, credentials, ...) */
  'Config',
] as const;
export type ForecastErrorKind = (typeof forecastErrorKinds)[number];

/** Kinds worth retrying on the next poll; the others need a change in the spec or the provider. */
export const transientKinds: ReadonlySet<ForecastErrorKind> = new Set([
  'Http',
  'Timeout',
  'Network',
  'RateLimited',
]);

export class ForecastError extends Error {
  readonly kind: ForecastErrorKind;
  /** HTTP status where one was received */
  readonly status: number | undefined;
  /** how long the provider asked us to wait (Retry-After on a 429/503); the poller honours it */
  readonly retryAfterMs: number | undefined;

  constructor(kind: ForecastErrorKind, message: string, options?: { status?: number; retryAfterMs?: number; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ForecastError';
    this.kind = kind;
    this.status = options?.status;
    this.retryAfterMs = options?.retryAfterMs;
  }
}

export function isForecastError(error: unknown): error is ForecastError {
  return error instanceof ForecastError;
}

/** Any thrown value as a ForecastError, so callers only ever see the typed error. */
export function toForecastError(error: unknown): ForecastError {
  if (error instanceof ForecastError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new ForecastError('Schema', `unexpected failure while reading the forecast: ${message}`, {
    cause: error,
  });
}

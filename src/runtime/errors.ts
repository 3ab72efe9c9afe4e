// Kubernetes API failures mapped once into typed errors with a retry class, so callers branch on
// meaning (isNotFound, isConflict) rather than on status codes scattered through the code.
import { ApiException } from '@kubernetes/client-node';

/**
 * What a caller should do about an error:
 * - `quiet`: requeue soon without logging an error (optimistic-concurrency conflict);
 * - `relist`: the watched resourceVersion is too old, list again (410 Gone);
 * - `backoff`: transient (429, 5xx, network, auth that may be fixed), retry with backoff;
 * - `terminal`: retrying the same request cannot succeed (invalid object, bad request).
 * NotFound is `terminal` for the request itself; reconcilers usually treat it as "gone".
 */
export type RetryClass = 'quiet' | 'relist' | 'backoff' | 'terminal';

export type ApiErrorKind =
  | 'NotFound'
  | 'Conflict'
  | 'AlreadyExists'
  | 'Gone'
  | 'Invalid'
  | 'PatchTestFailed'
  | 'BadRequest'
  | 'Unauthorized'
  | 'Forbidden'
  | 'UnsupportedMediaType'
  | 'TooManyRequests'
  | 'ServerError'
  | 'Network'
  | 'Unknown';

/** A failed Kubernetes API call, with the server's Status reason and message when it sent one. */
export class KubeApiError extends Error {
  override readonly name = 'KubeApiError';
  readonly kind: ApiErrorKind;
  /** HTTP status code; 0 for network failures. */
  readonly code: number;
  readonly retry: RetryClass;
  /** The Status object's `reason` (e.g. "AlreadyExists"), when present. */
  readonly reason: string | undefined;
  /** Server-suggested wait (Retry-After header or Status details.retryAfterSeconds). */
  readonly retryAfterMs: number | undefined;

  constructor(init: {
    kind: ApiErrorKind;
    code: number;
    message: string;
    reason?: string | undefined;
    retryAfterMs?: number | undefined;
    cause?: unknown;
  }) {
    super(init.message, { cause: init.cause });
    this.kind = init.kind;
    this.code = init.code;
    this.reason = init.reason;
    this.retryAfterMs = init.retryAfterMs;
    this.retry = retryClassOf(init.kind);
  }
}

/** A reconcile failure that retrying cannot fix (an invalid spec): not requeued. */
export class TerminalError extends Error {
  override readonly name = 'TerminalError';
}

export function retryClassOf(kind: ApiErrorKind): RetryClass {
  switch (kind) {
    case 'Conflict':
    case 'PatchTestFailed':
      return 'quiet';
    case 'Gone':
      return 'relist';
    case 'TooManyRequests':
    case 'ServerError':
    case 'Network':
    case 'Unauthorized':
    case 'Forbidden':
    case 'Unknown':
      return 'backoff';
    case 'NotFound':
    case 'AlreadyExists':
    case 'Invalid':
    case 'BadRequest':
    case 'UnsupportedMediaType':
      return 'terminal';
  }
}

interface StatusBody {
  reason?: string;
  message?: string;
  details?: { retryAfterSeconds?: number };
}

/** Classifies an HTTP status code plus the Status body's reason and message. */
export function kindOf(code: number, reason: string | undefined, message: string): ApiErrorKind {
  if (code === 404) return 'NotFound';
  if (code === 409) return reason === 'AlreadyExists' ? 'AlreadyExists' : 'Conflict';
  if (code === 410) return 'Gone';
  // A failed JSON-patch `test` op means "changed under us", not invalid. kube-apiserver 1.33
  // reports it as a bare 422 Invalid, so callers re-read to tell (see setFinalizer); the message
  // check catches servers that say which op failed.
  if (code === 422) return /\btest(ing)?\b.*\bfailed\b|\btest operation\b/i.test(message) ? 'PatchTestFailed' : 'Invalid';
  if (code === 400) return 'BadRequest';
  if (code === 401) return 'Unauthorized';
  if (code === 403) return 'Forbidden';
  if (code === 415) return 'UnsupportedMediaType';
  if (code === 429) return 'TooManyRequests';
  if (code >= 500 && code <= 599) return 'ServerError';
  return 'Unknown';
}

/**
 * Maps anything thrown by a client-node call (ApiException, a watch's `statusCode` error, a
 * fetch/network error) to a KubeApiError. A KubeApiError is returned unchanged.
 */
export function toApiError(err: unknown): KubeApiError {
  if (err instanceof KubeApiError) return err;
  if (err instanceof ApiException) {
    const code = err.code;
    const status = parseStatusBody(err.body);
    const message = status?.message ?? `HTTP ${code}`;
    const headers = err.headers as Record<string, string | undefined>;
    return new KubeApiError({
      kind: kindOf(code, status?.reason, message),
      code,
      message,
      reason: status?.reason,
      retryAfterMs: retryAfterMs(headers['retry-after'], status),
      cause: err,
    });
  }
  if (isRecord(err)) {
    const code = typeof err.statusCode === 'number' ? err.statusCode : typeof err.code === 'number' ? err.code : undefined;
    const message = typeof err.message === 'string' ? err.message : 'request failed';
    if (code !== undefined && code >= 100) {
      const reason = typeof err.reason === 'string' ? err.reason : undefined;
      return new KubeApiError({ kind: kindOf(code, reason, message), code, message, reason, cause: err });
    }
    return new KubeApiError({ kind: 'Network', code: 0, message, cause: err });
  }
  return new KubeApiError({ kind: 'Unknown', code: 0, message: typeof err === 'string' ? err : 'unknown error', cause: err });
}

/** Runs an API call and rethrows its failure as a KubeApiError. */
export async function callApi<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw toApiError(err);
  }
}

export const isNotFound = (err: unknown): boolean => toApiError(err).kind === 'NotFound';
export const isConflict = (err: unknown): boolean => toApiError(err).kind === 'Conflict';
export const isAlreadyExists = (err: unknown): boolean => toApiError(err).kind === 'AlreadyExists';
export const isGone = (err: unknown): boolean => toApiError(err).kind === 'Gone';
export const isInvalid = (err: unknown): boolean => toApiError(err).kind === 'Invalid';

function parseStatusBody(body: unknown): StatusBody | undefined {
  let value = body;
  if (typeof body === 'string') {
    try {
      value = JSON.parse(body) as unknown;
    } catch {
      return { message: body.slice(0, 500) };
    }
  }
  if (!isRecord(value)) return undefined;
  const details = isRecord(value.details) ? value.details : undefined;
  return {
    ...(typeof value.reason === 'string' ? { reason: value.reason } : {}),
    ...(typeof value.message === 'string' ? { message: value.message } : {}),
    ...(details !== undefined && typeof details.retryAfterSeconds === 'number'
      ? { details: { retryAfterSeconds: details.retryAfterSeconds } }
      : {}),
  };
}

function retryAfterMs(header: string | undefined, status: StatusBody | undefined): number | undefined {
  if (header !== undefined) {
    const seconds = Number(header);
    if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  }
  const fromBody = status?.details?.retryAfterSeconds;
  return fromBody !== undefined && fromBody >= 0 ? fromBody * 1000 : undefined;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

// Credential values out of every text that leaves the forecast layer (Hub conditions, events,
// logs). Every occurrence of every value is blanked whatever its length, also in the spellings a
// provider may echo it in (JSON-escaped, URL-encoded); overlapping hits are blanked as one, so
// what survives is only text of the original that holds no credential.
import { ForecastError } from './errors.ts';
import type { Credentials } from './request.ts';

export const redactionMark = '<redacted>';

/** The values of a hub's credentials (a username counts: it names an account). */
export function credentialValues(credentials: Credentials | undefined): string[] {
  if (credentials === undefined) return [];
  return 'token' in credentials ? [credentials.token] : [credentials.username, credentials.password];
}

/** A header value and, for `<Scheme> <credential>`, the credential alone. */
export function headerSecrets(value: string): string[] {
  const scheme = /^(?:Bearer|Basic|Token)\s+(\S+)$/i.exec(value.trim());
  return scheme?.[1] === undefined ? [value] : [value, scheme[1]];
}

function spellings(secret: string): string[] {
  return [secret, JSON.stringify(secret).slice(1, -1), encodeURIComponent(secret)];
}

export function redact(text: string, secrets: readonly string[]): string {
  const hits: [number, number][] = [];
  for (const needle of new Set(secrets.filter((s) => s !== '').flatMap(spellings))) {
    for (let at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, at + 1)) hits.push([at, at + needle.length]);
  }
  if (hits.length === 0) return text;
  hits.sort((a, b) => a[0] - b[0]);
  let out = '';
  let kept = 0;
  let coveredTo = -1;
  for (const [start, end] of hits) {
    if (start > coveredTo) {
      out += text.slice(kept, start) + redactionMark;
    }
    coveredTo = Math.max(coveredTo, end);
    kept = coveredTo;
  }
  return out + text.slice(kept);
}

/** Longest message handed on (Hub conditions, events, logs); cut only after redaction. */
export const maxMessageLength = 1024;

/**
 * The error with every secret blanked from its message, then cut to maxMessageLength. The cause
 * is dropped: a client error carries the request it failed on, headers included.
 */
export function redactError(error: ForecastError, secrets: readonly string[]): ForecastError {
  const message = redact(error.message, secrets);
  const bounded = message.length > maxMessageLength ? `${message.slice(0, maxMessageLength - 1)}…` : message;
  if (bounded === error.message && secrets.every((s) => s === '')) return error;
  return new ForecastError(error.kind, bounded, {
    ...(error.status === undefined ? {} : { status: error.status }),
    ...(error.retryAfterMs === undefined ? {} : { retryAfterMs: error.retryAfterMs }),
  });
}

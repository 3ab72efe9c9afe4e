// The HTTP shell under every provider client, on got: a per-attempt timeout, bounded retries with
// jittered exponential backoff on 429/5xx and network failures (honouring Retry-After up to a
// limit), conditional requests with ETag and freshness from Cache-Control/Expires, and the
// mapping of every failure to a ForecastError. Credentials travel only in headers and never enter
// a message: messages name the URL without its query.
import got, { RequestError, TimeoutError } from 'got';
import { ForecastError } from './errors.ts';

export interface HttpOptions {
  /** per attempt */
  timeoutMs: number;
  /** attempts after the first */
  retries: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** a Retry-After longer than this is not waited for: the call fails as RateLimited */
  maxRetryAfterMs: number;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
  /** entries kept for conditional requests */
  cacheEntries: number;
}

export const defaultHttpOptions: HttpOptions = {
  timeoutMs: 10_000,
  retries: 2,
  baseDelayMs: 500,
  maxDelayMs: 10_000,
  maxRetryAfterMs: 60_000,
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: Math.random,
  cacheEntries: 128,
};

export interface JsonRequest {
  url: string;
  /** provider name, for messages */
  provider: string;
  headers?: Record<string, string>;
  /** use and fill the response cache (off for logins) */
  cache?: boolean;
  /** further values to blank out of messages (header values are always blanked) */
  secrets?: string[];
}

export interface JsonResponse {
  body: unknown;
  /** true when the body came from the cache (fresh, or a 304) */
  cached: boolean;
}

interface CacheEntry {
  body: unknown;
  etag: string | undefined;
  freshUntilMs: number;
}

/** Where a URL points, without the query (which may name zones, never secrets, but keep it short). */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return '<invalid url>';
  }
}

/** Milliseconds to wait from a Retry-After header (seconds or an HTTP date); null when absent or unreadable. */
export function retryAfterMs(header: string | undefined, nowMs: number): number | null {
  if (header === undefined || header.trim() === '') return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(header);
  return Number.isFinite(at) ? Math.max(0, at - nowMs) : null;
}

/** Freshness lifetime from Cache-Control max-age (or Expires); 0 when the response says nothing or no-store/no-cache. */
export function freshnessMs(headers: Record<string, string | string[] | undefined>, nowMs: number): number {
  const cc = String(headers['cache-control'] ?? '').toLowerCase();
  if (/no-store|no-cache/.test(cc)) return 0;
  const maxAge = /max-age=(\d+)/.exec(cc);
  if (maxAge?.[1] !== undefined) return Number(maxAge[1]) * 1000;
  const expires = headers.expires;
  if (typeof expires === 'string') {
    const at = Date.parse(expires);
    if (Number.isFinite(at)) return Math.max(0, at - nowMs);
  }
  return 0;
}

/** A short reason from a provider's error body (JSON message fields, or the first words of text). */
function reasonOf(text: string): string {
  try {
    const body: unknown = JSON.parse(text);
    if (typeof body === 'object' && body !== null) {
      const o = body as Record<string, unknown>;
      for (const key of ['message', 'reason', 'detail', 'title', 'error']) {
        const v = o[key];
        if (typeof v === 'string' && v !== '') return v.slice(0, 200);
        if (typeof v === 'object' && v !== null && typeof (v as Record<string, unknown>).message === 'string') {
          return String((v as Record<string, unknown>).message).slice(0, 200);
        }
      }
    }
  } catch {
    // not JSON: fall through to text
  }
  const plain = text.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim();
  return plain === '' ? 'empty body' : plain.slice(0, 120);
}

export function parseJsonBody(text: string, where: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    const start = text.trimStart().slice(0, 40);
    throw new ForecastError('Schema', `${where}: body is not JSON (starts with ${JSON.stringify(start)})`);
  }
}

export class JsonHttpClient {
  private readonly options: HttpOptions;
  private readonly cache = new Map<string, CacheEntry>();

  constructor(options: Partial<HttpOptions> = {}) {
    this.options = { ...defaultHttpOptions, ...options };
  }

  /** A provider may echo what it was sent; no credential leaves in a message. */
  async getJson(request: JsonRequest): Promise<JsonResponse> {
    const secrets = [...Object.values(request.headers ?? {}), ...(request.secrets ?? [])]
      .flatMap((v) => [v, ...v.split(/\s+/)])
      .filter((v) => v.length >= 6);
    try {
      return await this.getJsonUnscrubbed(request);
    } catch (error) {
      if (!(error instanceof ForecastError)) throw error;
      let message = error.message;
      for (const secret of secrets) message = message.split(secret).join('<redacted>');
      if (message === error.message) throw error;
      throw new ForecastError(error.kind, message, error.status === undefined ? {} : { status: error.status });
    }
  }

  private async getJsonUnscrubbed(request: JsonRequest): Promise<JsonResponse> {
    const { now } = this.options;
    const where = `${request.provider} ${redactUrl(request.url)}`;
    const useCache = request.cache !== false;
    const cached = useCache ? this.cache.get(request.url) : undefined;
    if (cached !== undefined && cached.freshUntilMs > now()) return { body: cached.body, cached: true };

    const headers: Record<string, string> = { accept: 'application/json', ...request.headers };
    if (cached?.etag !== undefined) headers['if-none-match'] = cached.etag;

    for (let attempt = 0; ; attempt++) {
      let status: number;
      let text: string;
      let responseHeaders: Record<string, string | string[] | undefined>;
      try {
        const response = await got(request.url, {
          headers,
          timeout: { request: this.options.timeoutMs },
          retry: { limit: 0 },
          throwHttpErrors: false,
          responseType: 'text',
        });
        status = response.statusCode;
        text = response.body;
        responseHeaders = response.headers;
      } catch (error) {
        const kind = error instanceof TimeoutError ? 'Timeout' : 'Network';
        const detail = error instanceof TimeoutError ? `no answer within ${this.options.timeoutMs} ms` : error instanceof RequestError ? error.code : 'request failed';
        if (attempt < this.options.retries) {
          await this.options.sleep(this.backoff(attempt));
          continue;
        }
        throw new ForecastError(kind, `${where}: ${detail}`, { cause: error });
      }

      if (status === 304 && cached !== undefined) {
        cached.freshUntilMs = now() + freshnessMs(responseHeaders, now());
        return { body: cached.body, cached: true };
      }
      if (status >= 200 && status < 300) {
        const body = parseJsonBody(text, where);
        if (useCache) this.remember(request.url, body, responseHeaders);
        return { body, cached: false };
      }
      if (status === 401 || status === 403) {
        throw new ForecastError('Auth', `${where}: HTTP ${status} (${reasonOf(text)})`, { status });
      }
      const retryable = status === 429 || status >= 500;
      if (retryable && attempt < this.options.retries) {
        const header = responseHeaders['retry-after'];
        const wait = retryAfterMs(typeof header === 'string' ? header : undefined, now());
        if (wait === null || wait <= this.options.maxRetryAfterMs) {
          await this.options.sleep(wait ?? this.backoff(attempt));
          continue;
        }
      }
      const kind = status === 429 ? 'RateLimited' : 'Http';
      throw new ForecastError(kind, `${where}: HTTP ${status} (${reasonOf(text)})`, { status });
    }
  }

  /** Full jitter: uniform in [0, min(max, base·2^attempt)). */
  private backoff(attempt: number): number {
    return this.options.random() * Math.min(this.options.maxDelayMs, this.options.baseDelayMs * 2 ** attempt);
  }

  private remember(url: string, body: unknown, headers: Record<string, string | string[] | undefined>): void {
    const etag = typeof headers.etag === 'string' ? headers.etag : undefined;
    const fresh = freshnessMs(headers, this.options.now());
    if (etag === undefined && fresh === 0) return;
    this.cache.delete(url);
    this.cache.set(url, { body, etag, freshUntilMs: this.options.now() + fresh });
    // Oldest first in a Map: drop from the front to stay bounded.
    while (this.cache.size > this.options.cacheEntries) {
      const oldest = this.cache.keys().next();
      if (oldest.done === true) break;
      this.cache.delete(oldest.value);
    }
  }
}

// The HTTP shell under every provider client, on got: a per-attempt timeout, bounded retries with
// jittered exponential backoff on 429/5xx and network failures (honouring Retry-After up to a
// limit, and handing a longer one to the poller), a cap on the body size read as a stream,
// conditional requests with ETag and freshness from Cache-Control/Expires, and the mapping of
// every failure to a ForecastError. Credentials travel only in headers and never enter a
// message: messages name the URL without its query, and every header value is redacted.
import got, { RequestError, TimeoutError } from 'got';
import { ForecastError } from './errors.ts';
import { headerSecrets, redact, redactError } from './redact.ts';

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
  /** bytes of body read at most (after decompression); a larger body is a TooLarge error */
  maxResponseBytes: number;
}

/** A few MB: the largest documented answer (UK, all regions, 48 h) is under 1 MB. */
export const defaultMaxResponseBytes = 4 * 1024 * 1024;

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
  maxResponseBytes: defaultMaxResponseBytes,
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
  /** this request's body cap, when the provider's differs from the client's */
  maxResponseBytes?: number;
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

/**
 * A short reason from a provider's error body (JSON message fields, or the first words of text).
 * Secrets are blanked before the cut, so no part of one survives in the excerpt.
 */
function reasonOf(raw: string, secrets: readonly string[]): string {
  const text = redact(raw, secrets);
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

export function parseJsonBody(text: string, where: string, secrets: readonly string[] = []): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    const start = redact(text.trimStart(), secrets).slice(0, 40);
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
    const secrets = [...Object.values(request.headers ?? {}).flatMap(headerSecrets), ...(request.secrets ?? [])];
    try {
      return await this.getJsonUnscrubbed(request, secrets);
    } catch (error) {
      if (!(error instanceof ForecastError)) throw error;
      throw redactError(error, secrets);
    }
  }

  private async getJsonUnscrubbed(request: JsonRequest, secrets: readonly string[]): Promise<JsonResponse> {
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
        ({ status, text, headers: responseHeaders } = await this.fetchText(request.url, headers, request.maxResponseBytes ?? this.options.maxResponseBytes, where));
      } catch (error) {
        if (error instanceof ForecastError) throw error;
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
        const body = parseJsonBody(text, where, secrets);
        if (useCache) this.remember(request.url, body, responseHeaders);
        return { body, cached: false };
      }
      if (status === 401 || status === 403) {
        throw new ForecastError('Auth', `${where}: HTTP ${status} (${reasonOf(text, secrets)})`, { status });
      }
      const retryable = status === 429 || status >= 500;
      const header = responseHeaders['retry-after'];
      const wait = retryable ? retryAfterMs(typeof header === 'string' ? header : undefined, now()) : null;
      if (retryable && attempt < this.options.retries && (wait === null || wait <= this.options.maxRetryAfterMs)) {
        await this.options.sleep(wait ?? this.backoff(attempt));
        continue;
      }
      const kind = status === 429 ? 'RateLimited' : 'Http';
      throw new ForecastError(kind, `${where}: HTTP ${status} (${reasonOf(text, secrets)})`, { status, ...(wait === null ? {} : { retryAfterMs: wait }) });
    }
  }

  /**
   * One attempt, the body read as a stream and given up as soon as it passes `maxBytes` (or
   * declares more in Content-Length), so a huge answer never sits in memory.
   */
  private async fetchText(
    url: string,
    headers: Record<string, string>,
    maxBytes: number,
    where: string,
  ): Promise<{ status: number; text: string; headers: Record<string, string | string[] | undefined> }> {
    const stream = got.stream(url, { headers, timeout: { request: this.options.timeoutMs }, retry: { limit: 0 }, throwHttpErrors: false });
    // Errors reach the awaits below; this keeps one arriving after them from going unhandled.
    stream.on('error', () => undefined);
    const tooLarge = (): ForecastError => {
      stream.destroy();
      return new ForecastError('TooLarge', `${where}: response body is larger than ${maxBytes} bytes; not read further`);
    };
    try {
      const response = await new Promise<{ statusCode: number; headers: Record<string, string | string[] | undefined> }>((resolve, reject) => {
        stream.once('response', resolve);
        stream.once('error', reject);
      });
      const declared = Number(response.headers['content-length']);
      // A compressed body may declare less than it unpacks to; the count below is what holds.
      if (response.headers['content-encoding'] === undefined && Number.isFinite(declared) && declared > maxBytes) throw tooLarge();
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > maxBytes) throw tooLarge();
        chunks.push(chunk);
      }
      return { status: response.statusCode, text: Buffer.concat(chunks).toString('utf8'), headers: response.headers };
    } finally {
      stream.destroy();
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

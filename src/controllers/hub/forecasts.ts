// The forecast poller as its own controller: it fetches on its own schedule, keeps the last
// good forecast per hub, and tells the Hub controller which hubs changed. Reconciles only read
// what it holds; no provider is ever called from a reconcile.
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Hub } from '../../api/index.ts';
import { ForecastError } from '../../forecast/errors.ts';
import { hubRequestFromManifest } from '../../forecast/hub-manifest.ts';
import { ForecastPoller, type EffectiveForecast } from '../../forecast/poller.ts';
import type { Credentials, HubForecastRequest } from '../../forecast/request.ts';
import type { FetchForecasts, ForecastResult } from '../../forecast/source.ts';
import type { Forecast, ProviderName } from '../../forecast/types.ts';
import { counter } from '../../observability/metrics.ts';
import { backoffDelay, type BackoffPolicy } from '../../runtime/backoff.ts';
import { toApiError, type KubeApiError } from '../../runtime/errors.ts';
import { credentialsRefusal, isHubsFault, type SecretRef } from './credentials.ts';

export interface HubForecastsOptions {
  kubeConfig: KubeConfig;
  /** the only namespaces credentials Secrets are read from (the installer's choice); not empty */
  credentialsNamespaces: readonly string[];
  /** default: reads through the API server with kubeConfig */
  readSecret?: SecretReader;
  fetch: FetchForecasts;
  now: () => number;
  logger: Logger;
  registry: Registry;
  /** called with the hubs whose forecast state changed after a poll */
  onPolled: (hubs: string[]) => void;
}

/** A WattTime Secret key holds `username:password`; every other provider's holds a token. */
export function credentialsFrom(provider: string, value: string): Credentials {
  if (provider === 'WattTime') {
    const at = value.indexOf(':');
    if (at <= 0) throw new ForecastError('Config', 'WattTime credentials must be "username:password"');
    return { username: value.slice(0, at), password: value.slice(at + 1).trim() };
  }
  return { token: value.trim() };
}

/** Retries of a Secret the API server could not give: 5 s doubling to 2 min, a fifth jittered. */
const credentialsRetry: BackoffPolicy = { baseMs: 5_000, maxMs: 120_000, jitter: 0.2 };

/** One hub's poller state machine, plus what the credentials lookup knows about it. */
interface TrackedHub {
  request: HubForecastRequest;
  ref: SecretRef | undefined;
  /** why its Secret may not be read; no request is ever sent for such a hub */
  refusal: string | undefined;
  poller: ForecastPoller;
  /** the API server failed to give the Secret: not due again before this, state untouched */
  deferredUntilMs: number;
  deferrals: number;
}

type CredentialsOutcome =
  | { kind: 'ready'; request: HubForecastRequest }
  | { kind: 'failed'; error: ForecastError }
  | { kind: 'deferred'; error: KubeApiError };

/**
 * Reads a Secret's data (base64 values by key). Contract: resolves with the data (empty when the
 * Secret has none); rejects with a KubeApiError for every failure, NotFound included.
 */
export type SecretReader = (namespace: string, name: string) => Promise<Record<string, string>>;

export function kubeSecretReader(kubeConfig: KubeConfig): SecretReader {
  const api = kubeConfig.makeApiClient(CoreV1Api);
  return async (namespace, name) => {
    try {
      return (await api.readNamespacedSecret({ name, namespace })).data ?? {};
    } catch (error) {
      throw toApiError(error);
    }
  };
}

export class HubForecasts {
  readonly #opts: HubForecastsOptions;
  readonly #readSecret: SecretReader;
  // One poller per hub, so a hub whose Secret cannot be read this time is left out of a poll
  // and keeps its state as it was; the fetch for all due hubs is still one call.
  readonly #hubs = new Map<string, TrackedHub>();
  /** results of the current poll, handed to each hub's poller */
  readonly #results = new Map<string, ForecastResult>();
  readonly #fetches;
  readonly #secretFailures;
  #running = false;
  #polling = false;
  #timer: NodeJS.Timeout | undefined;

  constructor(options: HubForecastsOptions) {
    if (options.credentialsNamespaces.length === 0) throw new Error('credentialsNamespaces must name at least one namespace');
    this.#opts = options;
    this.#readSecret = options.readSecret ?? kubeSecretReader(options.kubeConfig);
    this.#fetches = counter(options.registry, {
      name: 'westward_forecast_fetches_total',
      help: 'Forecast fetches per hub by result (Success or the error kind, both CamelCase)',
      labelNames: ['hub', 'provider', 'result'] as const,
    });
    this.#secretFailures = counter(options.registry, {
      name: 'westward_forecast_credentials_read_failures_total',
      help: 'Credentials Secrets the API server did not give, per hub and error kind; the forecast state is left as it was',
      labelNames: ['hub', 'kind'] as const,
    });
  }

  /** Declares the hubs to poll; a hub whose forecast spec changed starts afresh. */
  setHubs(hubs: readonly Hub[]): void {
    const seen = new Set<string>();
    for (const hub of hubs) {
      const name = hub.metadata?.name ?? '';
      try {
        const request = hubRequestFromManifest(hub);
        const ref = hub.spec.forecast.credentialsSecretRef;
        // Another Secret is part of another forecast spec: start afresh, due at once.
        const known = this.#hubs.get(name);
        const tracked = known !== undefined && JSON.stringify(known.ref) === JSON.stringify(ref) ? known : this.#track(request);
        tracked.request = request;
        tracked.ref = ref;
        tracked.refusal = ref === undefined ? undefined : credentialsRefusal(ref, this.#opts.credentialsNamespaces);
        tracked.poller.setHubs([request]);
        this.#hubs.set(name, tracked);
        seen.add(name);
      } catch (error) {
        // The API server validated the Hub; this only guards against a schema the code lags.
        this.#opts.logger.error({ hub: name, err: (error as Error).message }, 'Hub forecast spec not understood');
      }
    }
    for (const name of [...this.#hubs.keys()]) if (!seen.has(name)) this.#hubs.delete(name);
    for (const hub of hubs) this.#restoreFromStatus(hub);
    // A new hub is due at once; do not wait for the timer set before it existed.
    this.#schedule();
  }

  #track(request: HubForecastRequest): TrackedHub {
    const poller = new ForecastPoller({
      fetch: (due) =>
        Promise.resolve(
          new Map(
            due.flatMap((h) => {
              const result = this.#results.get(h.hub);
              return result === undefined ? [] : [[h.hub, result] as const];
            }),
          ),
        ),
      now: this.#opts.now,
    });
    return { request, ref: undefined, refusal: undefined, poller, deferredUntilMs: 0, deferrals: 0 };
  }

  /** A restarted operator takes up the forecast its predecessor wrote, instead of refetching. */
  #restoreFromStatus(hub: Hub): void {
    const kept = hub.status?.forecast;
    const tracked = this.#hubs.get(hub.metadata?.name ?? '');
    if (!tracked || tracked.refusal !== undefined) return;
    if (!kept?.points?.length || !kept.fetchedAt || !kept.validUntil || !kept.provider) return;
    if (kept.source !== 'Live' && kept.source !== 'LastGood') return;
    const forecast: Forecast = {
      provider: kept.provider as ProviderName,
      fetchedAt: kept.fetchedAt,
      validUntil: kept.validUntil,
      points: kept.points.map((p) => ({
        start: p.start,
        end: p.end,
        carbonIntensity: p.carbonIntensity ?? null,
        renewableShare: p.renewableShare ?? null,
        renewableMW: p.renewableMW ?? null,
        estimated: p.estimated ?? false,
      })),
    };
    if (tracked.poller.restore(hub.metadata?.name ?? '', forecast, Date.parse(kept.fetchedAt))) {
      this.#opts.logger.info({ hub: hub.metadata?.name }, 'Restored forecast from Hub status');
    }
  }

  effective(hub: string): EffectiveForecast | undefined {
    return this.#hubs.get(hub)?.poller.effective(hub);
  }

  lastError(hub: string): { kind: string; message: string } | null {
    return this.#hubs.get(hub)?.poller.state(hub)?.lastError ?? null;
  }

  /** Why the hub's credentials Secret may not be read (the installer's rule), if it may not. */
  credentialsRefusal(hub: string): string | undefined {
    return this.#hubs.get(hub)?.refusal;
  }

  /** True once the hub has a real outcome: a fetch attempt, or a forecast restored from status. */
  attempted(hub: string): boolean {
    const state = this.#hubs.get(hub)?.poller.state(hub);
    return state !== undefined && (state.lastAttemptAtMs !== null || state.forecast !== null);
  }

  maxStalenessMs(hub: string): number | undefined {
    return this.#hubs.get(hub)?.request.forecast.maxStalenessMs;
  }

  start(): void {
    this.#running = true;
    this.#schedule();
  }

  stop(): void {
    this.#running = false;
    clearTimeout(this.#timer);
  }

  /** Polls every hub that is due now; what the timer runs, exposed for tests. */
  async pollOnce(): Promise<string[]> {
    const now = this.#opts.now();
    const due = [...this.#hubs].filter(([, t]) => dueAtMs(t) <= now);
    if (due.length === 0) return [];
    this.#results.clear();
    const toFetch: HubForecastRequest[] = [];
    const polled: [string, TrackedHub][] = [];
    await Promise.all(
      due.map(async ([name, tracked]) => {
        const outcome = await this.#credentials(tracked);
        if (outcome.kind === 'deferred') {
          this.#defer(name, tracked, outcome.error);
          return;
        }
        tracked.deferrals = 0;
        tracked.deferredUntilMs = 0;
        polled.push([name, tracked]);
        if (outcome.kind === 'failed') this.#results.set(name, outcome.error);
        else toFetch.push(outcome.request);
      }),
    );
    if (toFetch.length > 0) for (const [hub, result] of await this.#opts.fetch(toFetch)) this.#results.set(hub, result);
    for (const [name, tracked] of polled) {
      const result = this.#results.get(name);
      const outcome = result === undefined ? 'Network' : result instanceof ForecastError ? result.kind : 'Success';
      this.#fetches.inc({ hub: name, provider: tracked.request.forecast.provider, result: outcome });
      if (result instanceof ForecastError) {
        this.#opts.logger.warn({ hub: name, provider: tracked.request.forecast.provider, kind: result.kind, err: result.message }, 'Forecast fetch failed');
      }
    }
    await Promise.all(polled.map(([, tracked]) => tracked.poller.poll()));
    this.#results.clear();
    return polled.map(([name]) => name);
  }

  /** Sleeps until the next hub is due (recomputed whenever the set of hubs changes). */
  #schedule(): void {
    if (!this.#running || this.#polling) return;
    clearTimeout(this.#timer);
    const next = this.#nextDueAtMs();
    if (next === null) return;
    this.#timer = setTimeout(() => void this.#tick(), Math.max(0, next - this.#opts.now()));
    this.#timer.unref();
  }

  #nextDueAtMs(): number | null {
    let next: number | null = null;
    for (const tracked of this.#hubs.values()) next = next === null ? dueAtMs(tracked) : Math.min(next, dueAtMs(tracked));
    return next;
  }

  async #tick(): Promise<void> {
    this.#polling = true;
    try {
      const polled = await this.pollOnce();
      if (polled.length > 0) this.#opts.onPolled(polled);
    } catch (error) {
      this.#opts.logger.error({ err: (error as Error).message }, 'Forecast poll failed');
    } finally {
      this.#polling = false;
      this.#schedule();
    }
  }

  /** Credentials are read from Secrets at fetch time, never kept beyond one fetch. */
  async #credentials(tracked: TrackedHub): Promise<CredentialsOutcome> {
    const { request, ref, refusal } = tracked;
    if (refusal !== undefined) return { kind: 'failed', error: new ForecastError('Config', refusal) };
    if (ref === undefined) return { kind: 'ready', request };
    let data: Record<string, string>;
    try {
      data = await this.#readSecret(ref.namespace, ref.name);
    } catch (thrown) {
      const error = toApiError(thrown);
      if (!isHubsFault(error)) return { kind: 'deferred', error };
      return { kind: 'failed', error: new ForecastError('Config', `credentials Secret ${ref.namespace}/${ref.name} not found`) };
    }
    const encoded = data[ref.key];
    if (encoded === undefined) return { kind: 'failed', error: new ForecastError('Config', `credentials Secret ${ref.namespace}/${ref.name} has no key ${ref.key}`) };
    try {
      return { kind: 'ready', request: { ...request, credentials: credentialsFrom(request.forecast.provider, Buffer.from(encoded, 'base64').toString('utf8')) } };
    } catch (error) {
      return { kind: 'failed', error: error instanceof ForecastError ? error : new ForecastError('Config', (error as Error).message) };
    }
  }

  #defer(name: string, tracked: TrackedHub, error: KubeApiError): void {
    tracked.deferrals += 1;
    const retryMs = Math.max(error.retryAfterMs ?? 0, backoffDelay(credentialsRetry, tracked.deferrals));
    tracked.deferredUntilMs = this.#opts.now() + retryMs;
    this.#secretFailures.inc({ hub: name, kind: error.kind });
    const ref = tracked.ref;
    this.#opts.logger.warn(
      { hub: name, secret: ref === undefined ? undefined : `${ref.namespace}/${ref.name}`, kind: error.kind, code: error.code, err: error.message, retryInSeconds: Math.round(retryMs / 1000) },
      'Credentials Secret not readable; forecast left as it was',
    );
  }
}

/** When a hub is next due: its poller's time, or later while its Secret read is deferred. */
function dueAtMs(tracked: TrackedHub): number {
  return Math.max(tracked.poller.nextDueAtMs() ?? Number.POSITIVE_INFINITY, tracked.deferredUntilMs);
}

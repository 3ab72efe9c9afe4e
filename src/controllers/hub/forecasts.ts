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
import type { FetchForecasts } from '../../forecast/source.ts';
import type { Forecast, ProviderName } from '../../forecast/types.ts';
import { counter } from '../../observability/metrics.ts';

export interface HubForecastsOptions {
  kubeConfig: KubeConfig;
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

export class HubForecasts {
  readonly #opts: HubForecastsOptions;
  readonly #poller: ForecastPoller;
  readonly #secretRefs = new Map<string, { namespace: string; name: string; key: string }>();
  readonly #maxStaleness = new Map<string, number>();
  readonly #fetches;
  #running = false;
  #polling = false;
  #timer: NodeJS.Timeout | undefined;

  constructor(options: HubForecastsOptions) {
    this.#opts = options;
    this.#fetches = counter(options.registry, {
      name: 'westward_forecast_fetches_total',
      help: 'Forecast fetches per hub by result (Success or the error kind, both CamelCase)',
      labelNames: ['hub', 'provider', 'result'] as const,
    });
    this.#poller = new ForecastPoller({ fetch: (hubs) => this.#fetch(hubs), now: options.now });
  }

  /** Declares the hubs to poll; a hub whose forecast spec changed starts afresh. */
  setHubs(hubs: readonly Hub[]): void {
    const requests: HubForecastRequest[] = [];
    this.#secretRefs.clear();
    this.#maxStaleness.clear();
    for (const hub of hubs) {
      const name = hub.metadata?.name ?? '';
      try {
        const request = hubRequestFromManifest(hub);
        requests.push(request);
        this.#maxStaleness.set(name, request.forecast.maxStalenessMs);
        const ref = hub.spec.forecast.credentialsSecretRef;
        if (ref) this.#secretRefs.set(name, ref);
      } catch (error) {
        // The API server validated the Hub; this only guards against a schema the code lags.
        this.#opts.logger.error({ hub: name, err: (error as Error).message }, 'Hub forecast spec not understood');
      }
    }
    this.#poller.setHubs(requests);
    for (const hub of hubs) this.#restoreFromStatus(hub);
    // A new hub is due at once; do not wait for the timer set before it existed.
    this.#schedule();
  }

  /** A restarted operator takes up the forecast its predecessor wrote, instead of refetching. */
  #restoreFromStatus(hub: Hub): void {
    const kept = hub.status?.forecast;
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
    if (this.#poller.restore(hub.metadata?.name ?? '', forecast, Date.parse(kept.fetchedAt))) {
      this.#opts.logger.info({ hub: hub.metadata?.name }, 'Restored forecast from Hub status');
    }
  }

  effective(hub: string): EffectiveForecast | undefined {
    return this.#poller.effective(hub);
  }

  lastError(hub: string): { kind: string; message: string } | null {
    return this.#poller.state(hub)?.lastError ?? null;
  }

  /** True once the hub has a real outcome: a fetch attempt, or a forecast restored from status. */
  attempted(hub: string): boolean {
    const state = this.#poller.state(hub);
    return state !== undefined && (state.lastAttemptAtMs !== null || state.forecast !== null);
  }

  maxStalenessMs(hub: string): number | undefined {
    return this.#maxStaleness.get(hub);
  }

  start(): void {
    this.#running = true;
    this.#schedule();
  }

  stop(): void {
    this.#running = false;
    clearTimeout(this.#timer);
  }

  /** Sleeps until the next hub is due (recomputed whenever the set of hubs changes). */
  #schedule(): void {
    if (!this.#running || this.#polling) return;
    clearTimeout(this.#timer);
    const next = this.#poller.nextDueAtMs();
    if (next === null) return;
    this.#timer = setTimeout(() => void this.#tick(), Math.max(0, next - this.#opts.now()));
    this.#timer.unref();
  }

  async #tick(): Promise<void> {
    this.#polling = true;
    try {
      const polled = await this.#poller.poll();
      if (polled.length > 0) this.#opts.onPolled(polled);
    } catch (error) {
      this.#opts.logger.error({ err: (error as Error).message }, 'Forecast poll failed');
    } finally {
      this.#polling = false;
      this.#schedule();
    }
  }

  /** Credentials are read from Secrets at fetch time, never kept beyond one fetch. */
  async #fetch(hubs: HubForecastRequest[]): ReturnType<FetchForecasts> {
    const ready: HubForecastRequest[] = [];
    const failed = new Map<string, ForecastError>();
    for (const hub of hubs) {
      const ref = this.#secretRefs.get(hub.hub);
      if (!ref) {
        ready.push(hub);
        continue;
      }
      try {
        ready.push({ ...hub, credentials: await this.#readCredentials(hub.forecast.provider, ref) });
      } catch (error) {
        failed.set(hub.hub, error instanceof ForecastError ? error : new ForecastError('Config', `credentials Secret ${ref.namespace}/${ref.name}: ${(error as Error).message}`));
      }
    }
    const results = ready.length > 0 ? await this.#opts.fetch(ready) : new Map<string, ForecastError>();
    const all = new Map([...results, ...failed]);
    for (const hub of hubs) {
      const result = all.get(hub.hub);
      const outcome = result === undefined ? 'Network' : result instanceof ForecastError ? result.kind : 'Success';
      this.#fetches.inc({ hub: hub.hub, provider: hub.forecast.provider, result: outcome });
      if (result instanceof ForecastError) {
        this.#opts.logger.warn({ hub: hub.hub, provider: hub.forecast.provider, kind: result.kind, err: result.message }, 'Forecast fetch failed');
      }
    }
    return all;
  }

  async #readCredentials(provider: string, ref: { namespace: string; name: string; key: string }): Promise<Credentials> {
    const secret = await this.#opts.kubeConfig.makeApiClient(CoreV1Api).readNamespacedSecret({ name: ref.name, namespace: ref.namespace });
    const encoded = secret.data?.[ref.key];
    if (encoded === undefined) throw new ForecastError('Config', `credentials Secret ${ref.namespace}/${ref.name} has no key ${ref.key}`);
    return credentialsFrom(provider, Buffer.from(encoded, 'base64').toString('utf8'));
  }
}

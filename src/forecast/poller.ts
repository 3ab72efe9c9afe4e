// Per-hub last-good forecast cache. The pure part (state transitions, the staleness ladder) takes
// the time as an argument; `ForecastPoller` adds the injected fetch function and clock, and
// `startForecastPolling` is the thin timer loop around it.
//
// Ladder, applied by effectiveForecast:
//   Live          the last attempt succeeded and the forecast is younger than maxStaleness;
//   LastGood      the last attempt failed, the last good forecast is younger than maxStaleness;
//   DeclaredGrid  no forecast, or the last good one is older than maxStaleness (or past its
//                 validUntil): the hub counts at its declared gridCarbonIntensity, share 0.
import type { ForecastErrorKind } from './errors.ts';
import { ForecastError } from './errors.ts';
import type { HubForecastRequest } from './request.ts';
import type { FetchForecasts, ForecastResult } from './source.ts';
import type { Forecast } from './types.ts';
import { checkPoints } from './validate.ts';

export type ForecastSource = 'Live' | 'LastGood' | 'DeclaredGrid';

export interface HubForecastState {
  hub: string;
  /** the last good forecast, kept through failures */
  forecast: Forecast | null;
  /** epoch ms of the last good fetch */
  fetchedAtMs: number | null;
  lastAttemptAtMs: number | null;
  lastError: { kind: ForecastErrorKind; message: string } | null;
  consecutiveFailures: number;
  nextAttemptAtMs: number;
}

export interface EffectiveForecast {
  source: ForecastSource;
  /** null for DeclaredGrid */
  forecast: Forecast | null;
  /** ms since the forecast in use was fetched; null without one */
  ageMs: number | null;
  /** one sentence for conditions and events */
  message: string;
}

/** First retry after a failure, doubled per further failure, never later than the refresh interval. */
export const failureRetryBaseMs = 30_000;

/** A provider's Retry-After is honoured up to this; a longer one is read as this (a hostile or broken value). */
export const maxRetryAfterHonouredMs = 24 * 3_600_000;

export function initialHubState(hub: string, nowMs: number): HubForecastState {
  return {
    hub,
    forecast: null,
    fetchedAtMs: null,
    lastAttemptAtMs: null,
    lastError: null,
    consecutiveFailures: 0,
    nextAttemptAtMs: nowMs,
  };
}

export function applyFetchResult(
  state: HubForecastState,
  result: ForecastResult,
  spec: Pick<HubForecastRequest['forecast'], 'refreshIntervalMs'>,
  nowMs: number,
): HubForecastState {
  if (!(result instanceof ForecastError)) {
    return {
      ...state,
      forecast: result,
      fetchedAtMs: nowMs,
      lastAttemptAtMs: nowMs,
      lastError: null,
      consecutiveFailures: 0,
      nextAttemptAtMs: nowMs + spec.refreshIntervalMs,
    };
  }
  const failures = state.consecutiveFailures + 1;
  const backoff = Math.min(spec.refreshIntervalMs, failureRetryBaseMs * 2 ** Math.min(failures - 1, 20));
  // The provider's own Retry-After wins over a shorter backoff, even past the refresh interval.
  const retryIn = Math.max(backoff, Math.min(result.retryAfterMs ?? 0, maxRetryAfterHonouredMs));
  return {
    ...state,
    lastAttemptAtMs: nowMs,
    lastError: { kind: result.kind, message: result.message },
    consecutiveFailures: failures,
    nextAttemptAtMs: nowMs + retryIn,
  };
}

function minutes(ms: number): string {
  return `${Math.round(ms / 60_000)} min`;
}

export function effectiveForecast(
  state: HubForecastState,
  spec: Pick<HubForecastRequest['forecast'], 'maxStalenessMs'>,
  nowMs: number,
): EffectiveForecast {
  const { forecast, fetchedAtMs, lastError } = state;
  if (forecast === null || fetchedAtMs === null) {
    const why = lastError === null ? 'no forecast fetched yet' : `no forecast yet (${lastError.kind}: ${lastError.message})`;
    return { source: 'DeclaredGrid', forecast: null, ageMs: null, message: `${why}; using the declared grid carbon intensity` };
  }
  const ageMs = nowMs - fetchedAtMs;
  const expired = ageMs > spec.maxStalenessMs || nowMs >= Date.parse(forecast.validUntil);
  if (expired) {
    const why = lastError === null ? '' : ` (last error ${lastError.kind}: ${lastError.message})`;
    return {
      source: 'DeclaredGrid',
      forecast: null,
      ageMs,
      message: `last good forecast is ${minutes(ageMs)} old, past maxStaleness or its end${why}; using the declared grid carbon intensity`,
    };
  }
  if (lastError !== null) {
    return {
      source: 'LastGood',
      forecast,
      ageMs,
      message: `${lastError.kind}: ${lastError.message}; keeping the forecast fetched ${minutes(ageMs)} ago`,
    };
  }
  return { source: 'Live', forecast, ageMs, message: `forecast from ${forecast.provider} fetched ${minutes(ageMs)} ago` };
}

export interface PollerDeps {
  fetch: FetchForecasts;
  now: () => number;
}

/** The stateful part the operator holds: one state per hub, updated by poll(). */
export class ForecastPoller {
  private readonly deps: PollerDeps;
  private readonly states = new Map<string, HubForecastState>();
  private readonly hubs = new Map<string, HubForecastRequest>();

  constructor(deps: PollerDeps) {
    this.deps = deps;
  }

  /** Declare the current set of hubs; hubs no longer present are forgotten (bounded memory). */
  setHubs(hubs: HubForecastRequest[]): void {
    const now = this.deps.now();
    const names = new Set(hubs.map((h) => h.hub));
    for (const name of [...this.hubs.keys()]) {
      if (!names.has(name)) {
        this.hubs.delete(name);
        this.states.delete(name);
      }
    }
    for (const hub of hubs) {
      const previous = this.hubs.get(hub.hub);
      this.hubs.set(hub.hub, hub);
      // A changed forecast spec invalidates what was fetched under the old one.
      if (previous === undefined || JSON.stringify(previous.forecast) !== JSON.stringify(hub.forecast) || JSON.stringify(previous.location) !== JSON.stringify(hub.location)) {
        this.states.set(hub.hub, initialHubState(hub.hub, now));
      }
    }
  }

  /** Fetch every hub that is due; returns the names polled. */
  async poll(): Promise<string[]> {
    const now = this.deps.now();
    const due = [...this.hubs.values()].filter((h) => (this.states.get(h.hub)?.nextAttemptAtMs ?? now) <= now);
    if (due.length === 0) return [];
    const results = await this.deps.fetch(due);
    const doneAt = this.deps.now();
    for (const hub of due) {
      const state = this.states.get(hub.hub);
      if (state === undefined) continue; // removed while fetching
      const result = results.get(hub.hub) ?? new ForecastError('Network', `no result for hub ${hub.hub}`);
      this.states.set(hub.hub, applyFetchResult(state, result, hub.forecast, doneAt));
    }
    return due.map((h) => h.hub);
  }

  /**
   * Takes back a forecast kept elsewhere (a Hub's status, after a restart) for a hub that has
   * none yet: it is used as the last good one and the next fetch is due a refresh after it.
   * Anyone who may write the status could have written it, so it passes the checks a fresh
   * answer passes (as received at its fetch time) or is not taken.
   */
  restore(hub: string, forecast: Forecast, fetchedAtMs: number): boolean {
    const state = this.states.get(hub);
    const request = this.hubs.get(hub);
    if (state === undefined || request === undefined || state.forecast !== null || state.lastAttemptAtMs !== null) return false;
    if (forecast.provider !== request.forecast.provider || !Number.isFinite(fetchedAtMs) || fetchedAtMs > this.deps.now()) return false;
    try {
      checkPoints(forecast.points, 'status.forecast.points', { nowMs: fetchedAtMs, hub: request });
    } catch (error) {
      if (error instanceof ForecastError) return false;
      throw error;
    }
    this.states.set(hub, { ...state, forecast, fetchedAtMs, nextAttemptAtMs: fetchedAtMs + request.forecast.refreshIntervalMs });
    return true;
  }

  state(hub: string): HubForecastState | undefined {
    return this.states.get(hub);
  }

  effective(hub: string): EffectiveForecast | undefined {
    const state = this.states.get(hub);
    const request = this.hubs.get(hub);
    return state === undefined || request === undefined ? undefined : effectiveForecast(state, request.forecast, this.deps.now());
  }

  /** When the next hub is due, or null without hubs. */
  nextDueAtMs(): number | null {
    let next: number | null = null;
    for (const s of this.states.values()) next = next === null ? s.nextAttemptAtMs : Math.min(next, s.nextAttemptAtMs);
    return next;
  }
}

/**
 * The timer loop: poll, then sleep until the next hub is due (at least minDelayMs, at most
 * maxDelayMs so newly added hubs are picked up). Returns a stop function.
 */
export function startForecastPolling(
  poller: ForecastPoller,
  options: { now: () => number; onPolled?: (hubs: string[]) => void; onError?: (error: unknown) => void; minDelayMs?: number; maxDelayMs?: number },
): () => void {
  const minDelay = options.minDelayMs ?? 1_000;
  const maxDelay = options.maxDelayMs ?? 60_000;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const tick = async (): Promise<void> => {
    try {
      const polled = await poller.poll();
      if (polled.length > 0) options.onPolled?.(polled);
    } catch (error) {
      options.onError?.(error);
    }
    if (stopped) return;
    const next = poller.nextDueAtMs();
    const delay = next === null ? maxDelay : Math.min(maxDelay, Math.max(minDelay, next - options.now()));
    timer = setTimeout(() => void tick(), delay);
  };
  void tick();
  return () => {
    stopped = true;
    if (timer !== undefined) clearTimeout(timer);
  };
}

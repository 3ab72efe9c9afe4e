// Hub controller (hub.status): capacity from the hub's Ready nodes, the signal now, the forecast
// summary and the Ready/ForecastFresh conditions. Writes status only when it differs; tells
// people on transitions only.
import type { Hub, HubStatus } from '../../api/index.ts';
import { group, hubKind, hubPlural, version } from '../../api/index.ts';
import { resolveHubSlots } from '../../forecast/slots.ts';
import { hubCapacity } from '../../model/capacity.ts';
import { gauge, removeSeries } from '../../observability/metrics.ts';
import { applyCustomStatus } from '../../runtime/apply.ts';
import type { ReconcileResult } from '../../runtime/controller.ts';
import { conditionOf } from '../conditions.ts';
import type { OperatorContext } from '../context.ts';
import type { HubForecasts } from './forecasts.ts';
import { desiredHubStatus } from './status.ts';

const hourMs = 3_600_000;
const forecastSources = ['Live', 'LastGood', 'DeclaredGrid'] as const;

export function createHubReconciler(ctx: OperatorContext, forecasts: HubForecasts): (key: string) => Promise<ReconcileResult> {
  const share = gauge(ctx.registry, {
    name: 'westward_hub_renewable_share_ratio',
    help: 'Renewable share of the hub now (0..1), from the forecast in use',
    labelNames: ['hub'] as const,
  });
  const intensity = gauge(ctx.registry, {
    name: 'westward_hub_carbon_intensity_grams_per_kwh',
    help: 'Carbon intensity at the hub now, gCO2/kWh',
    labelNames: ['hub'] as const,
  });
  const renewablePower = gauge(ctx.registry, {
    name: 'westward_hub_renewable_power_megawatts',
    help: 'Renewable power at the hub now, MW (absent when the forecast in use does not say)',
    labelNames: ['hub'] as const,
  });
  const gpuFree = gauge(ctx.registry, {
    name: 'westward_hub_gpus_free',
    help: 'GPUs not requested by pods on the hub\'s Ready, schedulable nodes',
    labelNames: ['hub'] as const,
  });
  const forecastAge = gauge(ctx.registry, {
    name: 'westward_forecast_age_seconds',
    help: 'Age of the forecast in use for the hub (absent while it runs on its declared grid intensity)',
    labelNames: ['hub'] as const,
  });
  const source = gauge(ctx.registry, {
    name: 'westward_forecast_source',
    help: 'Forecast source in use for the hub: 1 for the source in use (Live, LastGood, DeclaredGrid), 0 for the others',
    labelNames: ['hub', 'source'] as const,
  });

  return async (name: string): Promise<ReconcileResult> => {
    const hub = ctx.informers.hubs.get(name);
    if (!hub) {
      await removeSeries(ctx.registry, { hub: name });
      return undefined;
    }
    // Until the first fetch, status would only say "no forecast yet": wait for a real outcome
    // (and a restarted operator writes nothing it had written before).
    if (!forecasts.attempted(name)) return { requeueAfterMs: 1_000 };
    const nowMs = ctx.clock.now();
    const now = new Date(nowMs);
    const effective = forecasts.effective(name) ?? {
      source: 'DeclaredGrid' as const,
      forecast: null,
      ageMs: null,
      message: 'no forecast fetched yet; using the declared grid carbon intensity',
    };
    const capacity = hubCapacity(hub, ctx.informers.nodes.list(), ctx.informers.pods.list());
    const hourStart = Math.floor(nowMs / hourMs) * hourMs;
    const [current] = resolveHubSlots(effective.forecast, hub.spec.energy, { startMs: hourStart, endMs: hourStart + hourMs, stepMs: hourMs });
    const previous = hub.status;
    const { status, changed } = desiredHubStatus({
      generation: hub.metadata?.generation,
      previous,
      capacity,
      nodeSelector: hub.spec.nodeSelector,
      effective,
      lastError: forecasts.lastError(name),
      credentialsRefusal: forecasts.credentialsRefusal(name),
      current,
      now,
    });

    if (current) {
      share.set({ hub: name }, current.renewableShare);
      intensity.set({ hub: name }, current.carbonIntensity);
    }
    if (current?.renewableMW != null) renewablePower.set({ hub: name }, current.renewableMW);
    else renewablePower.remove({ hub: name });
    gpuFree.set({ hub: name }, capacity.free.gpu);
    for (const s of forecastSources) source.set({ hub: name, source: s }, s === effective.source ? 1 : 0);
    if (effective.ageMs !== null && effective.forecast) forecastAge.set({ hub: name }, effective.ageMs / 1000);
    else forecastAge.remove({ hub: name });

    if (changed) {
      await applyCustomStatus(
        ctx.custom,
        { group, version, plural: hubPlural, kind: hubKind, name },
        status as Record<string, unknown>,
      );
      ctx.logger.debug({ hub: name }, 'Updated Hub status');
      await announceTransitions(ctx, hub, previous, status, forecasts.lastError(name) !== null);
    }
    // Come back when the hour's slot ends, or when the forecast in use turns stale.
    let nextMs = hourStart + hourMs - nowMs + 1000;
    const maxStalenessMs = forecasts.maxStalenessMs(name);
    if (effective.ageMs !== null && effective.forecast && maxStalenessMs !== undefined) {
      nextMs = Math.min(nextMs, Math.max(1000, maxStalenessMs - effective.ageMs + 1000));
    }
    return { requeueAfterMs: nextMs };
  };
}

async function announceTransitions(
  ctx: OperatorContext,
  hub: Hub,
  previous: HubStatus | undefined,
  next: HubStatus,
  fetchFailed: boolean,
): Promise<void> {
  const before = conditionOf(previous?.conditions, 'ForecastFresh');
  const after = conditionOf(next.conditions, 'ForecastFresh');
  if (!after || (before?.status === after.status && before.reason === after.reason)) return;
  const regarding = { apiVersion: `${group}/${version}`, kind: hubKind, name: hub.metadata?.name ?? '', uid: hub.metadata?.uid };
  if (after.status === 'True') {
    if (before === undefined) return; // first forecast: nothing recovered
    await ctx.events.record({ regarding, type: 'Normal', reason: 'ForecastRecovered', action: 'Forecast', note: after.message });
    ctx.logger.info({ hub: regarding.name }, 'Forecast recovered');
  } else if (before?.status !== 'False' || before.reason !== after.reason) {
    // Before the first fetch a hub runs on its declared intensity: not worth a warning.
    if (before === undefined && after.reason === 'UsingDeclaredGridIntensity' && !fetchFailed) return;
    await ctx.events.record({ regarding, type: 'Warning', reason: 'ForecastStale', action: 'Fallback', note: after.message });
    ctx.logger.warn({ hub: regarding.name, reason: after.reason, detail: after.message }, 'Forecast stale');
  }
}

// Forecast → the planner's per-slot numbers. Each slot takes the time-weighted mean of the
// forecast points it overlaps; any part of a slot the forecast does not cover (gaps, nulls, past
// its end, or no forecast at all) counts at the hub's declared grid intensity with share 0.
// A point with only one of the two signals gets the other from `ci = grid·(1 − share)`, the same
// relation the weather-based forecasts use, so carbon-only providers still rank hubs by share.
import type { HubSlot } from '../placement/types.ts';
import type { Forecast } from './types.ts';

export interface SlotHorizon {
  startMs: number;
  endMs: number;
  stepMs: number;
}

export function resolveHubSlots(
  forecast: Forecast | null,
  fallback: { gridCarbonIntensity: number },
  horizon: SlotHorizon,
): HubSlot[] {
  const points = (forecast?.points ?? []).map((p) => ({ ...p, startMs: Date.parse(p.start), endMs: Date.parse(p.end) }));
  // Hubs whose forecast carries MW (weather-modelled) keep renewableMW; gaps count as 0 MW there.
  const hasMW = points.some((p) => p.renewableMW !== null);
  const slots: HubSlot[] = [];
  if (!(horizon.stepMs > 0)) return slots;
  for (let start = horizon.startMs; start < horizon.endMs; start += horizon.stepMs) {
    const end = Math.min(start + horizon.stepMs, horizon.endMs);
    const length = end - start;
    let ci = 0;
    let share = 0;
    let mw = 0;
    let covered = 0;
    for (const p of points) {
      const overlap = Math.min(end, p.endMs) - Math.max(start, p.startMs);
      if (overlap <= 0) continue;
      const signals = completeSignals(p.carbonIntensity, p.renewableShare, fallback.gridCarbonIntensity);
      if (signals !== null) {
        ci += signals.carbonIntensity * overlap;
        share += signals.renewableShare * overlap;
        covered += overlap;
      }
      if (p.renewableMW !== null) mw += p.renewableMW * overlap;
    }
    ci += fallback.gridCarbonIntensity * (length - covered);
    slots.push({
      startMs: start,
      endMs: end,
      carbonIntensity: ci / length,
      renewableShare: share / length,
      renewableMW: hasMW ? mw / length : null,
    });
  }
  return slots;
}

/** Both signals from whichever the point has; null when it has neither. */
export function completeSignals(
  carbonIntensity: number | null,
  renewableShare: number | null,
  grid: number,
): { carbonIntensity: number; renewableShare: number } | null {
  if (carbonIntensity !== null && renewableShare !== null) return { carbonIntensity, renewableShare };
  if (carbonIntensity !== null) {
    return { carbonIntensity, renewableShare: grid > 0 ? Math.min(1, Math.max(0, 1 - carbonIntensity / grid)) : 0 };
  }
  if (renewableShare !== null) return { carbonIntensity: grid * (1 - renewableShare), renewableShare };
  return null;
}

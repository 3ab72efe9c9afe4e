// Forecast arithmetic over time windows: what a hub's signals average to over [from, to).
import type { HubSlot, PlannerHub } from './types.ts';

export const hourMs = 3_600_000;

/** A move is judged over at least this much forecast, so one hour's spike cannot trigger it. */
export const minJudgementWindowMs = hourMs;

export interface WindowAverage {
  /** 0..1, time-weighted over the covered part of the window */
  renewableShare: number;
  /** gCO2/kWh, time-weighted over the covered part of the window */
  carbonIntensity: number;
  /** hours of the window the forecast covers */
  coveredHours: number;
}

/**
 * Time-weighted average of the hub's slot signals over [fromMs, toMs). Where the forecast does
 * not reach that far, only the covered part counts; with no overlap at all the last slot that
 * started before `fromMs` stands in (the newest knowledge), and with no slots the grid figure.
 */
export function windowAverage(hub: PlannerHub, fromMs: number, toMs: number): WindowAverage {
  let weight = 0;
  let share = 0;
  let intensity = 0;
  for (const slot of hub.slots) {
    const overlap = Math.min(slot.endMs, toMs) - Math.max(slot.startMs, fromMs);
    if (overlap <= 0) continue;
    weight += overlap;
    share += overlap * slot.renewableShare;
    intensity += overlap * slot.carbonIntensity;
  }
  if (weight > 0) {
    return { renewableShare: share / weight, carbonIntensity: intensity / weight, coveredHours: weight / hourMs };
  }
  const before = lastSlotBefore(hub.slots, fromMs);
  if (before !== undefined) {
    return { renewableShare: before.renewableShare, carbonIntensity: before.carbonIntensity, coveredHours: 0 };
  }
  return { renewableShare: 0, carbonIntensity: hub.gridCarbonIntensity, coveredHours: 0 };
}

function lastSlotBefore(slots: readonly HubSlot[], ms: number): HubSlot | undefined {
  let found: HubSlot | undefined;
  for (const slot of slots) if (slot.startMs <= ms && (found === undefined || slot.startMs >= found.startMs)) found = slot;
  return found;
}

/** The window a workload's move is judged over: its dwell time, at least one hour. */
export function judgementWindowMs(minDwellMs: number): number {
  return Math.max(minDwellMs, minJudgementWindowMs);
}

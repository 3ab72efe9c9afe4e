// The carbon cost of load at a hub over the planning horizon: convex and piecewise linear in
// the hub's IT power, with one kink per slot that has renewable power behind the hub.
import type { PlannerHub } from './types.ts';
import { hourMs } from './window.ts';

/** One forecast slot reduced to what the cost needs. */
export interface CostSlot {
  hours: number;
  /** g/kWh for all facility load (slots without `renewableMW`) */
  carbonIntensity: number;
  /** IT watts that run green (renewable W / PUE), null when the slot has no `renewableMW` */
  greenItW: number | null;
}

export interface CostCurve {
  pue: number;
  gridCarbonIntensity: number;
  slots: CostSlot[];
}

/** The part of the hub's forecast from `nowMs` on: the past costs nothing any more. */
export function costCurve(hub: PlannerHub, nowMs: number): CostCurve {
  const slots: CostSlot[] = [];
  for (const slot of hub.slots) {
    const startMs = Math.max(slot.startMs, nowMs);
    if (slot.endMs <= startMs) continue;
    slots.push({
      hours: (slot.endMs - startMs) / hourMs,
      carbonIntensity: slot.carbonIntensity,
      greenItW: slot.renewableMW === null ? null : (slot.renewableMW * 1e6) / hub.pue,
    });
  }
  return { pue: hub.pue, gridCarbonIntensity: hub.gridCarbonIntensity, slots };
}

/** Grams CO2 over the horizon for `itPowerW` of IT load at the hub. */
export function emissionsG(curve: CostCurve, itPowerW: number): number {
  let grams = 0;
  for (const slot of curve.slots) {
    const kwhPerW = (curve.pue * slot.hours) / 1000;
    grams +=
      slot.greenItW === null
        ? kwhPerW * itPowerW * slot.carbonIntensity
        : kwhPerW * Math.max(0, itPowerW - slot.greenItW) * curve.gridCarbonIntensity;
  }
  return grams;
}

/** A run of replicas that each add the same grams. */
export interface CostSegment {
  replicas: number;
  gramsPerReplica: number;
}

/**
 * The marginal cost of adding replicas of `powerW` each to a hub already carrying `baseW`, as
 * runs of equal marginal cost, non-decreasing (the curve is convex), `maxReplicas` in total.
 * Within a slot the k-th replica is fully green, straddles the green limit, or is fully grid, so
 * each slot contributes at most two boundaries.
 */
export function marginalSegments(curve: CostCurve, baseW: number, powerW: number, maxReplicas: number): CostSegment[] {
  if (maxReplicas <= 0) return [];
  if (powerW <= 0) return [{ replicas: maxReplicas, gramsPerReplica: 0 }];
  const bounds = new Set<number>([1, maxReplicas + 1]);
  for (const slot of curve.slots) {
    if (slot.greenItW === null) continue;
    const kStar = (slot.greenItW - baseW) / powerW;
    for (const k of [Math.floor(kStar) + 1, Math.ceil(kStar) + 1]) if (k > 1 && k <= maxReplicas) bounds.add(k);
  }
  const sorted = [...bounds].sort((a, b) => a - b);
  const segments: CostSegment[] = [];
  for (let i = 0; i + 1 < sorted.length; i++) {
    const from = sorted[i] ?? 1;
    const to = sorted[i + 1] ?? from;
    const grams = marginalG(curve, baseW, powerW, from);
    const last = segments.at(-1);
    if (last?.gramsPerReplica === grams) last.replicas += to - from;
    else segments.push({ replicas: to - from, gramsPerReplica: grams });
  }
  return segments;
}

/** Grams added by the k-th replica (1-based) on top of `baseW`. */
function marginalG(curve: CostCurve, baseW: number, powerW: number, k: number): number {
  const below = baseW + (k - 1) * powerW;
  const above = below + powerW;
  let grams = 0;
  for (const slot of curve.slots) {
    const kwhPerW = (curve.pue * slot.hours) / 1000;
    grams +=
      slot.greenItW === null
        ? kwhPerW * powerW * slot.carbonIntensity
        : kwhPerW * (Math.max(0, above - slot.greenItW) - Math.max(0, below - slot.greenItW)) * curve.gridCarbonIntensity;
  }
  return grams;
}

// Carbon accounting of the load placed at a hub in one step, with the same convex model the
// planner uses: where the hub has renewable output behind it, the part left after its base load
// is green and the rest is drawn from the grid at the hub's declared grid intensity; where only
// a grid signal is known, all of it is priced at the signal's intensity.
import type { SignalStep } from './trace.ts';

export interface HubEnergy {
  pue: number;
  /** gCO2/kWh */
  gridCarbonIntensity: number;
  baseLoadMW: number;
}

export interface StepEnergy {
  /** facility energy (IT load × PUE), MWh */
  energyMWh: number;
  /** the renewable part of it, MWh */
  greenMWh: number;
  grams: number;
}

/**
 * The renewable share of a signal: the trace's own where it has one, else derived from the
 * intensity against the hub's declared grid intensity (1 − CI / gridCI, clamped to 0..1).
 */
export function signalRenewableShare(signal: SignalStep, hub: HubEnergy): number {
  if (signal.renewableShare !== null) return signal.renewableShare;
  if (hub.gridCarbonIntensity <= 0) return 1;
  return Math.min(1, Math.max(0, 1 - signal.carbonIntensity / hub.gridCarbonIntensity));
}

/** MW of renewable output free for placed load (after the hub's base load), or null. */
export function greenHeadroomMW(signal: SignalStep, hub: HubEnergy): number | null {
  return signal.renewableMW === null ? null : Math.max(0, signal.renewableMW - hub.baseLoadMW);
}

/** @param itLoadMW power of the placed replicas (before PUE) */
export function stepEnergy(signal: SignalStep, hub: HubEnergy, itLoadMW: number, hours: number): StepEnergy {
  const facilityMW = itLoadMW * hub.pue;
  const energyMWh = facilityMW * hours;
  const headroom = greenHeadroomMW(signal, hub);
  if (headroom === null) {
    return {
      energyMWh,
      greenMWh: energyMWh * signalRenewableShare(signal, hub),
      grams: energyMWh * 1000 * signal.carbonIntensity,
    };
  }
  const greenMW = Math.min(facilityMW, headroom);
  return { energyMWh, greenMWh: greenMW * hours, grams: (facilityMW - greenMW) * hours * 1000 * hub.gridCarbonIntensity };
}

/** gCO2/kWh of the next bit of load at a hub already carrying `itLoadMW` (for greedy ranking). */
export function marginalIntensity(signal: SignalStep, hub: HubEnergy, itLoadMW: number, extraItMW: number): number {
  const headroom = greenHeadroomMW(signal, hub);
  if (headroom === null) return signal.carbonIntensity;
  return (itLoadMW + extraItMW) * hub.pue <= headroom + 1e-12 ? 0 : hub.gridCarbonIntensity;
}

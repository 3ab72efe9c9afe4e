// Wind farm output from wind speed: power-law scaling to hub height and a generic turbine power
// curve (cubic from cut-in to rated, flat to cut-out, zero beyond). Shared with the simulator.

export interface PowerCurve {
  cutInMs: number;
  ratedMs: number;
  cutOutMs: number;
}

export const defaultPowerCurve: PowerCurve = { cutInMs: 3, ratedMs: 12, cutOutMs: 25 };
export const defaultShearExponent = 1 / 7;
export const defaultHubHeightM = 100;

/** v_h = v_ref·(h/h_ref)^α */
export function scaleWindSpeed(speedMs: number, fromHeightM: number, toHeightM: number, alpha = defaultShearExponent): number {
  return speedMs * (toHeightM / fromHeightM) ** alpha;
}

/** 0..1 of rated output at this wind speed. */
export function windPowerFraction(speedMs: number, curve: PowerCurve = defaultPowerCurve): number {
  if (!(speedMs >= curve.cutInMs) || speedMs >= curve.cutOutMs) return 0;
  if (speedMs >= curve.ratedMs) return 1;
  // Cubic in v between cut-in (0) and rated (1): kinetic power grows with v³.
  return (speedMs ** 3 - curve.cutInMs ** 3) / (curve.ratedMs ** 3 - curve.cutInMs ** 3);
}

export function windPowerMW(speedMs: number, capacityMW: number, curve: PowerCurve = defaultPowerCurve): number {
  return capacityMW > 0 ? capacityMW * windPowerFraction(speedMs, curve) : 0;
}

// Photovoltaic output from plane-of-array irradiance and air temperature: a plain physical model
// (NOCT cell temperature, linear temperature coefficient, one lumped system efficiency), plus an
// isotropic-sky transposition for when only GHI/DNI/DHI are known. Shared with the simulator.
import { sunPosition } from './solar-position.ts';

const rad = Math.PI / 180;

export interface PvParams {
  /** DC nameplate, MW at 1000 W/m² and 25 °C */
  ratedMW: number;
  /** power temperature coefficient per kelvin */
  gamma: number;
  /** nominal operating cell temperature, °C */
  noctC: number;
  /** lumped losses: inverter, wiring, soiling, mismatch */
  efficiency: number;
  /** AC limit the inverters clip at, MW; the nameplate when absent */
  acLimitMW?: number;
}

export const defaultPvParams: Omit<PvParams, 'ratedMW'> = { gamma: -0.004, noctC: 45, efficiency: 0.86 };

export function cellTemperature(airC: number, poaWm2: number, noctC = defaultPvParams.noctC): number {
  return airC + (poaWm2 * (noctC - 20)) / 800;
}

/** MW from plane-of-array irradiance (W/m²) and air temperature (°C); never negative. */
export function pvPowerMW(poaWm2: number, airC: number, params: PvParams): number {
  if (params.ratedMW <= 0 || poaWm2 <= 0) return 0;
  const cell = cellTemperature(airC, poaWm2, params.noctC);
  const dc = params.ratedMW * (poaWm2 / 1000) * (1 + params.gamma * (cell - 25)) * params.efficiency;
  return Math.min(Math.max(0, dc), params.acLimitMW ?? params.ratedMW);
}

export interface Surface {
  tiltDeg: number;
  /** degrees clockwise from north (180 = facing south) */
  azimuthDeg: number;
  albedo: number;
}

/** A fixed array tilted at the latitude and facing the equator, the common utility layout. */
export function defaultSurface(latitudeDeg: number): Surface {
  return { tiltDeg: Math.min(60, Math.abs(latitudeDeg)), azimuthDeg: latitudeDeg >= 0 ? 180 : 0, albedo: 0.2 };
}

/**
 * Isotropic-sky (Liu–Jordan) transposition: beam on the tilted plane, sky diffuse seen by the
 * tilted plane, and ground-reflected light. Irradiances in W/m², sun angles in degrees.
 */
export function isotropicPoa(
  ghi: number,
  dni: number,
  dhi: number,
  sun: { zenithDeg: number; azimuthDeg: number },
  surface: Surface,
): number {
  if (sun.zenithDeg >= 90) return Math.max(0, dhi * ((1 + Math.cos(surface.tiltDeg * rad)) / 2));
  const tilt = surface.tiltDeg * rad;
  const cosAoi =
    Math.cos(sun.zenithDeg * rad) * Math.cos(tilt) +
    Math.sin(sun.zenithDeg * rad) * Math.sin(tilt) * Math.cos((sun.azimuthDeg - surface.azimuthDeg) * rad);
  const beam = dni * Math.max(0, cosAoi);
  const sky = dhi * ((1 + Math.cos(tilt)) / 2);
  const ground = ghi * surface.albedo * ((1 - Math.cos(tilt)) / 2);
  return Math.max(0, beam + sky + ground);
}

/**
 * Plane-of-array irradiance for an hour-mean of GHI/DNI/DHI: the sun is placed at the middle of
 * the hour the means belong to.
 */
export function poaForInterval(
  irradiance: { ghi: number; dni: number; dhi: number },
  interval: { startMs: number; endMs: number },
  location: { latitude: number; longitude: number },
  surface: Surface = defaultSurface(location.latitude),
): number {
  const mid = (interval.startMs + interval.endMs) / 2;
  const sun = sunPosition(mid, location.latitude, location.longitude);
  return isotropicPoa(irradiance.ghi, irradiance.dni, irradiance.dhi, sun, surface);
}

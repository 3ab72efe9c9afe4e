// Sun position from the NOAA general solar position equations (fractional-year form), accurate
// to a few tenths of a degree: plenty for turning hourly irradiance into plane-of-array values.

const rad = Math.PI / 180;

export interface SunPosition {
  /** degrees from the vertical; above 90 the sun is below the horizon */
  zenithDeg: number;
  /** degrees clockwise from north */
  azimuthDeg: number;
}

export function sunPosition(epochMs: number, latitudeDeg: number, longitudeDeg: number): SunPosition {
  const date = new Date(epochMs);
  const startOfYear = Date.UTC(date.getUTCFullYear(), 0, 1);
  const dayOfYear = Math.floor((epochMs - startOfYear) / 86_400_000) + 1;
  const hours = date.getUTCHours() + date.getUTCMinutes() / 60 + date.getUTCSeconds() / 3600;
  const gamma = ((2 * Math.PI) / 365) * (dayOfYear - 1 + (hours - 12) / 24);

  const eqTimeMin =
    229.18 *
    (0.000075 +
      0.001868 * Math.cos(gamma) -
      0.032077 * Math.sin(gamma) -
      0.014615 * Math.cos(2 * gamma) -
      0.040849 * Math.sin(2 * gamma));
  const decl =
    0.006918 -
    0.399912 * Math.cos(gamma) +
    0.070257 * Math.sin(gamma) -
    0.006758 * Math.cos(2 * gamma) +
    0.000907 * Math.sin(2 * gamma) -
    0.002697 * Math.cos(3 * gamma) +
    0.00148 * Math.sin(3 * gamma);

  const trueSolarMin = hours * 60 + eqTimeMin + 4 * longitudeDeg;
  const hourAngle = (trueSolarMin / 4 - 180) * rad;
  const lat = latitudeDeg * rad;

  const cosZenith = Math.min(
    1,
    Math.max(-1, Math.sin(lat) * Math.sin(decl) + Math.cos(lat) * Math.cos(decl) * Math.cos(hourAngle)),
  );
  const zenith = Math.acos(cosZenith);
  // Azimuth from the components of the sun vector (east, north), robust at all latitudes.
  const east = -Math.cos(decl) * Math.sin(hourAngle);
  const north = Math.cos(lat) * Math.sin(decl) - Math.sin(lat) * Math.cos(decl) * Math.cos(hourAngle);
  const azimuth = (Math.atan2(east, north) / rad + 360) % 360;
  return { zenithDeg: zenith / rad, azimuthDeg: azimuth };
}

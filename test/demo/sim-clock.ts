// The demo's compressed clock: one simulated hour passes every `hourSeconds` real seconds,
// starting at a chosen hour of a fixed simulated day. Pure: the real time is always passed in.

export const hourMs = 3_600_000;
/** China Standard Time, the hubs' wall clock. */
export const chinaOffsetMs = 8 * hourMs;
/** The simulated day (a spring day: sunrise and sunset near 06:00 and 18:30 local). */
export const simulatedDay = Date.UTC(2025, 3, 15);

export interface SimClock {
  /** real time at which the simulated clock stood at `simStartMs` */
  realStartMs: number;
  simStartMs: number;
  /** real seconds per simulated hour */
  hourSeconds: number;
}

/** A clock whose simulated day starts at `startHourCst` o'clock China time. */
export function simClock(realStartMs: number, startHourCst: number, hourSeconds: number): SimClock {
  if (!(hourSeconds > 0)) throw new Error(`hour-seconds must be positive, got ${hourSeconds}`);
  return { realStartMs, simStartMs: simulatedDay - chinaOffsetMs + startHourCst * hourMs, hourSeconds };
}

export function simulatedMs(clock: SimClock, realMs: number): number {
  return clock.simStartMs + ((realMs - clock.realStartMs) / (clock.hourSeconds * 1000)) * hourMs;
}

/** "Tue 15 Apr 17:40 CST" for the screen. */
export function formatSimulated(simMs: number): string {
  const d = new Date(simMs + chinaOffsetMs);
  const day = d.toUTCString().slice(0, 11);
  const hh = String(d.getUTCHours()).padStart(2, '0');
  const mm = String(d.getUTCMinutes()).padStart(2, '0');
  return `${day} ${hh}:${mm} CST`;
}

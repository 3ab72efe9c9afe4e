// Synthetic weather for the demo, from the project's own seeded weather model
// (src/simulate/synthetic-traces.ts): clear-sky irradiance under a mean-reverting cloud cover, a
// diurnal air temperature and a mean-reverting wind. Not a measurement. Hourly records are
// interpolated so that a compressed clock sees the weather change smoothly between polls.
import { defaultWeather, syntheticWeather, type WeatherHour, type WeatherParams } from '../../src/simulate/synthetic-traces.ts';
import { mixSeed } from '../../src/simulate/random.ts';
import { hourMs } from './sim-clock.ts';

export interface Location {
  latitude: number;
  longitude: number;
}

/**
 * The demo's weather: calmer and gustier wind than the simulator's default (mean 3.5 m/s, quick
 * to change), so that the hubs part at night: the sample hubs' renewables are large against their
 * base load, and in steadier wind every hub sits at 100 % all day and night and nothing moves.
 * Tuned, with the default seed and start hour, by running the real planner over it
 * (docs/demo.md).
 */
export const demoWeather: WeatherParams = {
  ...defaultWeather,
  meanWindMs: 3.5,
  windReversion: 0.3,
  windSigmaMs: 2.5,
};

export interface Irradiance {
  ghi: number;
  dni: number;
  dhi: number;
}

function lerp(a: number, b: number, f: number): number {
  return a + (b - a) * f;
}

/** Seeded per location, so every hub has its own weather and every run the same. */
export class SyntheticWeather {
  readonly #seed: number;
  readonly #params: WeatherParams;
  readonly #baseMs: number;
  readonly #series = new Map<string, WeatherHour[]>();

  /** `baseMs`: the first simulated hour there is weather for. */
  constructor(seed: number, baseMs: number, params: WeatherParams = demoWeather) {
    this.#seed = seed;
    this.#baseMs = Math.floor(baseMs / hourMs) * hourMs;
    this.#params = params;
  }

  /** The record of hour index j and the one after it, generating more hours when needed. */
  #pair(location: Location, j: number): [WeatherHour, WeatherHour] {
    const key = `${location.latitude.toFixed(4)},${location.longitude.toFixed(4)}`;
    let series = this.#series.get(key);
    if (series === undefined || series.length < j + 2) {
      // The model is sequential, so a longer series has the shorter one as its prefix.
      const hours = Math.max(96, 2 * (j + 2));
      const seed = mixSeed(this.#seed, Math.round(location.latitude * 100), Math.round(location.longitude * 100));
      series = syntheticWeather(location, this.#baseMs, hours, seed, this.#params);
      this.#series.set(key, series);
    }
    const a = series[j];
    const b = series[j + 1];
    if (a === undefined || b === undefined) throw new Error(`no weather for hour ${j}`);
    return [a, b];
  }

  #position(simMs: number): { j: number; f: number } {
    const p = Math.max(0, (simMs - this.#baseMs) / hourMs);
    const j = Math.floor(p);
    return { j, f: p - j };
  }

  /** Hour-mean irradiance of [startMs, startMs + 1 h), W/m². */
  irradiance(location: Location, startMs: number): Irradiance {
    const { j, f } = this.#position(startMs);
    const [a, b] = this.#pair(location, j);
    return { ghi: lerp(a.ghi, b.ghi, f), dni: lerp(a.dni, b.dni, f), dhi: lerp(a.dhi, b.dhi, f) };
  }

  /** Air temperature (°C) and wind speed at 100 m (m/s) at an instant. */
  instant(location: Location, simMs: number): { airC: number; windMs: number } {
    const { j, f } = this.#position(simMs);
    const [a, b] = this.#pair(location, j);
    return { airC: lerp(a.airC, b.airC, f), windMs: lerp(a.windMs, b.windMs, f) };
  }
}

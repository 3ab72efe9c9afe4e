// What the planner sees instead of the future: the actual signal with a relative error that
// grows with lead time. The error path of one forecast is correlated across lead times (a
// forecast that is too high now tends to stay too high), and its mean absolute value over the
// horizon equals the requested MAPE. Intensity goes up where renewables go down.
import type { SignalStep } from './trace.ts';
import { gaussian, mixSeed, seededRandom } from './random.ts';

export interface ForecastErrorOptions {
  /** mean absolute percentage error over the horizon, as a fraction (0.1 = 10 %) */
  mape: number;
  seed: number;
  /** correlation of the error between consecutive lead times */
  correlation?: number;
}

/** Relative error scale per lead time: grows as √(lead + 1), normalised to mean 1. */
export function leadTimeScale(horizonSteps: number): number[] {
  const raw = Array.from({ length: horizonSteps }, (_, k) => Math.sqrt(k + 1));
  const mean = raw.reduce((a, b) => a + b, 0) / Math.max(1, horizonSteps);
  return raw.map((r) => r / mean);
}

/** Relative errors for one forecast issued at `issueStep` for one hub. */
export function forecastErrors(options: ForecastErrorOptions, hubIndex: number, issueStep: number, horizonSteps: number): number[] {
  if (options.mape === 0) return new Array<number>(horizonSteps).fill(0);
  const random = seededRandom(mixSeed(options.seed, hubIndex, issueStep));
  const rho = options.correlation ?? 0.8;
  const scale = leadTimeScale(horizonSteps);
  // E|N(0, σ)| = σ·√(2/π): this σ makes the expected absolute error m·scale[k].
  const sigma = options.mape * Math.sqrt(Math.PI / 2);
  let z = gaussian(random);
  return scale.map((s, k) => {
    if (k > 0) z = rho * z + Math.sqrt(1 - rho * rho) * gaussian(random);
    return Math.max(-0.95, sigma * s * z);
  });
}

export function perturbSignal(signal: SignalStep, error: number): SignalStep {
  return {
    carbonIntensity: signal.carbonIntensity * (1 + error),
    renewableShare: signal.renewableShare === null ? null : Math.min(1, Math.max(0, signal.renewableShare * (1 - error))),
    renewableMW: signal.renewableMW === null ? null : Math.max(0, signal.renewableMW * (1 - error)),
  };
}

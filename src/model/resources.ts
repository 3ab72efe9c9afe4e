// Arithmetic on the planner's Resources (gpu count, cpu millicores, memory bytes).
import type { Resources } from '../placement/types.ts';
import type { QuantityMap } from './kube.ts';
import { bytes, cpuMillicores, parseQuantity } from './quantity.ts';

export const gpuResource = 'nvidia.com/gpu';

export const noResources: Resources = Object.freeze({ gpu: 0, cpuMilli: 0, memoryBytes: 0 });

export function addResources(a: Resources, b: Resources): Resources {
  return { gpu: a.gpu + b.gpu, cpuMilli: a.cpuMilli + b.cpuMilli, memoryBytes: a.memoryBytes + b.memoryBytes };
}

export function subtractResources(a: Resources, b: Resources): Resources {
  return { gpu: a.gpu - b.gpu, cpuMilli: a.cpuMilli - b.cpuMilli, memoryBytes: a.memoryBytes - b.memoryBytes };
}

export function scaleResources(a: Resources, factor: number): Resources {
  return { gpu: a.gpu * factor, cpuMilli: a.cpuMilli * factor, memoryBytes: a.memoryBytes * factor };
}

export function maxResources(a: Resources, b: Resources): Resources {
  return {
    gpu: Math.max(a.gpu, b.gpu),
    cpuMilli: Math.max(a.cpuMilli, b.cpuMilli),
    memoryBytes: Math.max(a.memoryBytes, b.memoryBytes),
  };
}

export function clampAtZero(a: Resources): Resources {
  return maxResources(a, noResources);
}

/**
 * True when `need` fits into `free` in every dimension, with a relative tolerance for the
 * rounding of fractional plans.
 */
export function fits(need: Resources, free: Resources, tolerance = 1e-9): boolean {
  return (['gpu', 'cpuMilli', 'memoryBytes'] as const).every((key) => need[key] <= free[key] + tolerance * Math.max(1, Math.abs(free[key])));
}

/** How many whole copies of `unit` fit into `free` (Infinity when the unit asks for nothing). */
export function copiesThatFit(unit: Resources, free: Resources): number {
  let copies = Infinity;
  for (const key of ['gpu', 'cpuMilli', 'memoryBytes'] as const) {
    if (unit[key] > 0) copies = Math.min(copies, Math.floor(Math.max(0, free[key]) / unit[key] + 1e-9));
  }
  return copies;
}

/** The resources the planner counts, read from a quantity map (requests, limits, allocatable). */
export function resourcesOf(map: QuantityMap | undefined): Resources {
  const gpu = map?.[gpuResource];
  const cpu = map?.cpu;
  const memory = map?.memory;
  return {
    gpu: gpu === undefined ? 0 : parseQuantity(gpu),
    cpuMilli: cpu === undefined ? 0 : cpuMillicores(cpu),
    memoryBytes: memory === undefined ? 0 : bytes(memory),
  };
}

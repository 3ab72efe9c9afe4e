// Planning off the event loop: a worker thread runs the pure planner so that reconciles,
// watches and probes keep their latency while a large fleet is planned.
import { Worker } from 'node:worker_threads';
import type { Plan, PlanInput } from './types.ts';

export interface PlanRequest {
  id: number;
  input: PlanInput;
}

export type PlanResponse = { id: number; ok: true; plan: Plan } | { id: number; ok: false; error: string };

export interface PlannerWorker {
  /** Plans in the worker; requests are answered in order. Rejects if the planner throws. */
  plan(input: PlanInput): Promise<Plan>;
  /** Stops the worker; pending requests reject. */
  close(): Promise<void>;
}

/** A long-lived planner thread for the operator: one per process, reused every tick. */
export function createPlannerWorker(): PlannerWorker {
  // Beside this module: plan-worker.ts when Node runs the sources, plan-worker.js when built.
  const entry = import.meta.url.endsWith('.ts') ? './plan-worker.ts' : './plan-worker.js';
  const worker = new Worker(new URL(entry, import.meta.url));
  const pending = new Map<number, { resolve: (plan: Plan) => void; reject: (error: Error) => void }>();
  let nextId = 1;
  const failAll = (error: Error): void => {
    for (const p of pending.values()) p.reject(error);
    pending.clear();
  };
  worker.on('message', (response: PlanResponse) => {
    const p = pending.get(response.id);
    if (p === undefined) return;
    pending.delete(response.id);
    if (pending.size === 0) worker.unref();
    if (response.ok) p.resolve(response.plan);
    else p.reject(new Error(`planner failed: ${response.error}`));
  });
  worker.on('error', failAll);
  worker.on('exit', (code) => {
    failAll(new Error(`planner worker exited with code ${code}`));
  });
  // An idle planner thread must not keep the process alive on its own; a busy one must.
  worker.unref();
  return {
    plan: (input) =>
      new Promise<Plan>((resolve, reject) => {
        const id = nextId++;
        pending.set(id, { resolve, reject });
        worker.ref();
        worker.postMessage({ id, input } satisfies PlanRequest);
      }),
    close: async () => {
      await worker.terminate();
    },
  };
}

/** One plan in a fresh worker thread, which is stopped afterwards. */
export async function planInWorker(input: PlanInput): Promise<Plan> {
  const worker = createPlannerWorker();
  try {
    return await worker.plan(input);
  } finally {
    await worker.close();
  }
}

// The planner in a worker thread: the same plan as in-process, and the event loop stays free.
import { describe, expect, it } from 'vitest';
import { plan } from '../../../src/placement/plan.ts';
import { createPlannerWorker, planInWorker } from '../../../src/placement/worker.ts';
import { generateInstance } from './instances.ts';

describe('planner worker', () => {
  it('returns the plan the pure function returns', async () => {
    const input = generateInstance({ seed: 5, workloads: 300, hubs: 8, hysteresis: true });
    expect(await planInWorker(input)).toEqual(plan(input));
  });

  it('answers concurrent requests each with its own plan, while timers keep firing', async () => {
    const worker = createPlannerWorker();
    try {
      const big = generateInstance({ seed: 9, workloads: 5000, hubs: 16 });
      const small = generateInstance({ seed: 10, workloads: 50, hubs: 4 });
      let ticks = 0;
      const timer = setInterval(() => ticks++, 5);
      const [a, b] = await Promise.all([worker.plan(big), worker.plan(small)]);
      clearInterval(timer);
      expect(a.workloads).toHaveLength(5000);
      expect(b).toEqual(plan(small));
      expect(ticks).toBeGreaterThan(0);
    } finally {
      await worker.close();
    }
  });

  it('rejects when the planner throws', async () => {
    const worker = createPlannerWorker();
    try {
      // a hub without slots array makes the planner throw inside the worker
      const broken = { ...generateInstance({ seed: 1, workloads: 1, hubs: 1 }), hubs: [{ name: 'x' }] } as unknown as Parameters<typeof plan>[0];
      await expect(worker.plan(broken)).rejects.toThrow(/planner failed/);
    } finally {
      await worker.close();
    }
  });
});

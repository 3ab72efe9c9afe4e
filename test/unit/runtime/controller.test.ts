import { describe, expect, it } from 'vitest';
import { ApiException, KubeConfig } from '@kubernetes/client-node';
import { silentLogger } from '../../../src/observability/logger.ts';
import { createRegistry } from '../../../src/observability/metrics.ts';
import { Controller, type Reconciler } from '../../../src/runtime/controller.ts';
import { TerminalError } from '../../../src/runtime/errors.ts';
import { FakeClock } from '../../../src/runtime/fake-clock.ts';
import { Informer, type KubeObject } from '../../../src/runtime/informer.ts';
import { cm, FakeWatch } from './fake-watch.ts';

async function value(registry: ReturnType<typeof createRegistry>, name: string, labels: Record<string, string>): Promise<number | undefined> {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name);
  return metric?.values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))?.value;
}

describe('Controller', () => {
  it('maps events to keys, acts on each reconcile result and counts them', async () => {
    const clock = new FakeClock(0);
    const watch = new FakeWatch();
    const deployments = new Informer<KubeObject>({
      name: 'deployments',
      kubeConfig: new KubeConfig(),
      path: '/apis/apps/v1/deployments',
      list: () => Promise.resolve({ items: [cm('web', '1', 'plant-a')], metadata: { resourceVersion: '5' } }),
      watch,
      clock,
      resyncIntervalMs: 0,
    });
    const calls: string[] = [];
    const behaviour = new Map<string, () => ReturnType<Reconciler>>();
    const registry = createRegistry();
    const controller = new Controller({
      name: 'test.placement',
      logger: silentLogger(),
      registry,
      clock,
      backoff: { baseMs: 1000, maxMs: 10_000 },
      reconcile: (key) => {
        calls.push(`${key}@${clock.now()}`);
        return behaviour.get(key)?.() ?? Promise.resolve(undefined);
      },
    });
    // A Deployment maps to the FactoryWorkload of the same name (a secondary-to-primary mapper).
    controller.watch(deployments, (d) => [`${d.metadata?.namespace ?? ''}/fw-${d.metadata?.name ?? ''}`]);
    void controller.start();
    deployments.start();
    await clock.advance(0);
    expect(calls).toEqual(['plant-a/fw-web@0']);

    behaviour.set('plant-a/fw-slow', () => Promise.resolve({ requeueAfterMs: 30_000 }));
    behaviour.set('plant-a/fw-bad', () => Promise.reject(new Error('API down')));
    behaviour.set('plant-a/fw-busy', () => Promise.reject(new ApiException(409, 'x', JSON.stringify({ reason: 'Conflict', message: 'modified' }), {})));
    behaviour.set('plant-a/fw-invalid', () => Promise.reject(new TerminalError('spec.latencyBudgetMs must be > 0')));
    for (const n of ['slow', 'bad', 'busy', 'invalid']) watch.last().emit('ADDED', cm(n, '6', 'plant-a'));
    await clock.advance(0);
    await clock.advance(1000);
    await clock.advance(2000);
    await clock.advance(27_000);
    const at = (key: string): number[] => calls.filter((c) => c.startsWith(key + '@')).map((c) => Number(c.split('@')[1]));
    expect(at('plant-a/fw-slow')).toEqual([0, 30_000]);
    // Failures back off 1 s, 2 s, 4 s, 8 s, ... from each failure.
    expect(at('plant-a/fw-bad').slice(0, 4)).toEqual([0, 1000, 3000, 7000]);
    expect(at('plant-a/fw-busy').slice(0, 2)).toEqual([0, 1000]);
    expect(at('plant-a/fw-invalid')).toEqual([0]);

    expect(await value(registry, 'westward_controller_reconcile_total', { controller: 'test.placement', result: 'terminal' })).toBe(1);
    expect(await value(registry, 'westward_controller_reconcile_total', { controller: 'test.placement', result: 'requeue' })).toBe(2);
    expect(await value(registry, 'westward_controller_reconcile_total', { controller: 'test.placement', result: 'success' })).toBe(1);
    expect(await value(registry, 'westward_controller_reconcile_total', { controller: 'test.placement', result: 'error' })).toBe(at('plant-a/fw-bad').length);
    expect(await value(registry, 'westward_controller_reconcile_total', { controller: 'test.placement', result: 'conflict' })).toBe(at('plant-a/fw-busy').length);
    expect(await value(registry, 'westward_controller_queue_depth', { controller: 'test.placement' })).toBe(0);
    await deployments.stop();
    await controller.stop({ drain: false });
  });
});

// Per-namespace informers read as one cache, as the operator uses them under a namespace scope.
import { KubeConfig } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { inScope } from '../../../src/controllers/placement/planning.ts';
import type { FactoryWorkload } from '../../../src/api/index.ts';
import { FakeClock } from '../../../src/runtime/fake-clock.ts';
import { Informer, type KubeObject } from '../../../src/runtime/informer.ts';
import { MultiNamespaceInformer } from '../../../src/runtime/multi-namespace-informer.ts';
import { FakeWatch } from './fake-watch.ts';

const obj = (namespace: string, name: string, rv: string): KubeObject => ({ metadata: { namespace, name, resourceVersion: rv } });

function setup() {
  const clock = new FakeClock(0);
  const paths: string[] = [];
  const watches = new Map<string, FakeWatch>();
  const make = (ns: string) => {
    const watch = new FakeWatch();
    watches.set(ns, watch);
    return new Informer<KubeObject>({
      name: `deployments/${ns}`,
      kubeConfig: new KubeConfig(),
      path: `/apis/apps/v1/namespaces/${ns}/deployments`,
      list: () => {
        paths.push(ns);
        return Promise.resolve({ items: [obj(ns, 'web', '1')], metadata: { resourceVersion: '5' } });
      },
      watch,
      clock,
      random: () => 0,
      resyncIntervalMs: 0,
    });
  };
  const multi = new MultiNamespaceInformer('deployments', new Map(['plant-a', 'plant-b'].map((ns) => [ns, make(ns)])));
  return { clock, multi, watches, paths };
}

describe('MultiNamespaceInformer', () => {
  it('syncs when every namespace has, and reads them as one cache', async () => {
    const t = setup();
    const changes: string[] = [];
    t.multi.onChange((o) => changes.push(`${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`));
    expect(t.multi.hasSynced()).toBe(false);
    t.multi.start();
    await t.multi.waitForSync();
    expect(t.multi.hasSynced()).toBe(true);
    expect(t.paths.sort()).toEqual(['plant-a', 'plant-b']);
    expect(changes.sort()).toEqual(['plant-a/web', 'plant-b/web']);
    expect(t.multi.get('plant-a/web')?.metadata?.namespace).toBe('plant-a');
    expect(t.multi.get('plant-c/web')).toBeUndefined();
    expect(t.multi.get('web')).toBeUndefined();

    const deletes: string[] = [];
    t.multi.onDelete((o) => deletes.push(o.metadata?.namespace ?? ''));
    t.watches.get('plant-b')?.last().emit('ADDED', obj('plant-b', 'api', '6'));
    t.watches.get('plant-a')?.last().emit('DELETED', obj('plant-a', 'web', '7'));
    expect(t.multi.list().map((o) => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`).sort()).toEqual(['plant-b/api', 'plant-b/web']);
    expect(deletes).toEqual(['plant-a']);
    await t.multi.stop();
  });
});

describe('inScope', () => {
  const fw = (namespace: string) => ({ metadata: { namespace, name: 'x' } }) as FactoryWorkload;
  it.each([
    [[], 'plant-a', true],
    [[], 'kube-system', false],
    [['plant-a'], 'plant-a', true],
    [['plant-a'], 'plant-b', false],
    [['plant-a'], 'kube-system', false],
    [['kube-system'], 'kube-system', true],
  ] as const)('namespaces %j, workload in %s: %s', (namespaces, namespace, expected) => {
    expect(inScope({ namespaces }, fw(namespace))).toBe(expected);
  });
});

import { describe, expect, it } from 'vitest';
import { KubeConfig } from '@kubernetes/client-node';
import { FakeClock } from '../../../src/runtime/fake-clock.ts';
import { Informer, type KubeObject, type ObjectList } from '../../../src/runtime/informer.ts';
import { cm, FakeWatch } from './fake-watch.ts';

function setup(options: { resyncIntervalMs?: number } = {}) {
  const clock = new FakeClock(0);
  const watch = new FakeWatch();
  let listResult: ObjectList<KubeObject> = { items: [cm('a', '1'), cm('b', '2')], metadata: { resourceVersion: '10' } };
  let listFails = false;
  let lists = 0;
  const changes: string[] = [];
  const deletes: string[] = [];
  const informer = new Informer<KubeObject>({
    name: 'configmaps',
    kubeConfig: new KubeConfig(),
    path: '/api/v1/configmaps',
    labelSelector: 'app=x',
    list: () => {
      lists++;
      return listFails ? Promise.reject(new Error('connection refused')) : Promise.resolve(structuredClone(listResult));
    },
    watch,
    clock,
    random: () => 0,
    resyncIntervalMs: options.resyncIntervalMs ?? 0,
    backoff: { baseMs: 1000, maxMs: 30_000, jitter: 0.5 },
  });
  informer.onChange((o) => changes.push(`${o.metadata?.name ?? ''}@${o.metadata?.resourceVersion ?? ''}`));
  informer.onDelete((o) => deletes.push(o.metadata?.name ?? ''));
  return {
    clock,
    watch,
    informer,
    changes,
    deletes,
    lists: () => lists,
    setList: (l: ObjectList<KubeObject>) => (listResult = l),
    setListFails: (f: boolean) => (listFails = f),
  };
}

describe('Informer', () => {
  it('lists, then watches from the list resourceVersion, keeping the cache and reporting changes', async () => {
    const t = setup();
    t.informer.start();
    await t.clock.advance(0);
    expect(t.informer.hasSynced()).toBe(true);
    expect(t.changes).toEqual(['a@1', 'b@2']);
    expect(t.watch.last().query).toMatchObject({ resourceVersion: '10', allowWatchBookmarks: true, labelSelector: 'app=x' });

    t.watch.last().emit('ADDED', cm('c', '11'));
    t.watch.last().emit('MODIFIED', cm('a', '12'));
    t.watch.last().emit('MODIFIED', cm('a', '12')); // same version again: not a change
    t.watch.last().emit('DELETED', cm('b', '13'));
    t.watch.last().emit('BOOKMARK', { metadata: { resourceVersion: '20' } });
    expect(t.changes).toEqual(['a@1', 'b@2', 'c@11', 'a@12']);
    expect(t.deletes).toEqual(['b']);
    expect(t.informer.list().map((o) => o.metadata?.name).sort()).toEqual(['a', 'c']);
    expect(t.informer.get('default/a')?.metadata?.resourceVersion).toBe('12');
    expect(t.informer.lastResourceVersion()).toBe('20');
    await t.informer.stop();
  });

  it('resumes from the last resourceVersion without relisting when a healthy watch ends', async () => {
    const t = setup();
    t.informer.start();
    await t.clock.advance(0);
    t.watch.last().emit('ADDED', cm('c', '11'));
    t.watch.last().end(new DOMException('The operation was aborted due to timeout', 'TimeoutError'));
    await t.clock.advance(0);
    expect(t.lists()).toBe(1);
    expect(t.watch.connections).toHaveLength(2);
    expect(t.watch.last().query.resourceVersion).toBe('11');
    await t.informer.stop();
  });

  it('relists on 410 Gone and reports objects deleted meanwhile', async () => {
    const t = setup();
    t.informer.start();
    await t.clock.advance(0);
    t.setList({ items: [cm('a', '30')], metadata: { resourceVersion: '31' } });
    t.watch.last().emit('ERROR', { kind: 'Status', code: 410, reason: 'Expired', message: 'too old resource version' });
    t.watch.last().end();
    await t.clock.advance(0);
    expect(t.lists()).toBe(2);
    expect(t.deletes).toEqual(['b']);
    expect(t.changes.at(-1)).toBe('a@30');
    expect(t.watch.last().query.resourceVersion).toBe('31');
    await t.informer.stop();
  });

  it('restarts after errors with growing jittered backoff and never floods the API server', async () => {
    const t = setup();
    t.informer.start();
    await t.clock.advance(0);
    // The API server goes away: every list fails for 2 minutes.
    t.setListFails(true);
    t.watch.last().end(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
    await t.clock.advance(120_000);
    // Delays 500, 1000, 2000, ... capped at 15 000 (jitter 0.5 with random 0): hand count ≤ 13 in 120 s.
    expect(t.lists()).toBeGreaterThanOrEqual(5);
    expect(t.lists()).toBeLessThanOrEqual(14);
    const before = t.lists();
    t.setListFails(false);
    await t.clock.advance(15_000);
    expect(t.lists()).toBe(before + 1);
    expect(t.watch.connections).toHaveLength(2);
    await t.informer.stop();
  });

  it('backs off when watches keep ending at once, instead of reconnecting in a tight loop', async () => {
    const t = setup();
    t.informer.start();
    await t.clock.advance(0);
    for (let i = 0; i < 20; i++) {
      t.watch.last().end();
      await t.clock.advance(100);
    }
    // Each instant end counts as a failure: about 0.5 + 1 + 2 ... s apart, so few reconnects in 2 s.
    expect(t.watch.connections.length).toBeLessThanOrEqual(3);
    await t.informer.stop();
  });

  it('resyncs periodically: relists and reports every object', async () => {
    const t = setup({ resyncIntervalMs: 60_000 });
    t.informer.start();
    await t.clock.advance(0);
    t.changes.length = 0;
    await t.clock.advance(60_000);
    expect(t.lists()).toBe(2);
    expect(t.changes.sort()).toEqual(['a@1', 'b@2']);
    expect(t.watch.connections[0]?.closed).toBe(true);
    expect(t.watch.last().closed).toBe(false);
    await t.informer.stop();
    expect(t.watch.last().closed).toBe(true);
  });
});

describe('resourcePath', () => {
  it('builds core and group paths, namespaced or not', async () => {
    const { resourcePath } = await import('../../../src/runtime/informer.ts');
    expect(resourcePath('', 'v1', 'configmaps', 'a')).toBe('/api/v1/namespaces/a/configmaps');
    expect(resourcePath('apps', 'v1', 'deployments')).toBe('/apis/apps/v1/deployments');
    expect(resourcePath('westward.io', 'v1alpha1', 'hubs')).toBe('/apis/westward.io/v1alpha1/hubs');
  });
});

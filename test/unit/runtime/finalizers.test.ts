import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { finalizerPatch, setFinalizer, type JsonPatchOp, type PatchTarget } from '../../../src/runtime/apply.ts';
import { KubeApiError } from '../../../src/runtime/errors.ts';
import type { KubeObject } from '../../../src/runtime/informer.ts';

/** A small RFC 6902 interpreter for the ops finalizerPatch uses, written for this test. */
function applyPatch(obj: KubeObject, ops: JsonPatchOp[]): KubeObject {
  const doc = structuredClone(obj) as Record<string, unknown>;
  for (const op of ops) {
    const parts = op.path.split('/').slice(1);
    const last = parts.pop() ?? '';
    let parent: unknown = doc;
    for (const p of parts) parent = (parent as Record<string, unknown>)[p];
    const container = parent as Record<string, unknown> & unknown[];
    if (op.op === 'test') {
      if (JSON.stringify(container[last]) !== JSON.stringify(op.value)) throw new Error(`testing value ${op.path} failed`);
    } else if (op.op === 'add' && Array.isArray(container)) {
      if (last === '-') container.push(op.value);
      else container.splice(Number(last), 0, op.value);
    } else if (op.op === 'add' || op.op === 'replace') {
      container[last] = op.value;
    } else {
      Reflect.deleteProperty(container, last);
    }
  }
  return doc;
}

const names = fc.array(fc.constantFrom('a.io/x', 'b.io/y', 'westward.io/cleanup', 'c.io/z'), { maxLength: 4 }).map((l) => [...new Set(l)]);

describe('finalizerPatch', () => {
  it('adds or removes only its finalizer and keeps the others in order (property)', () => {
    fc.assert(
      fc.property(fc.option(names, { nil: undefined }), fc.boolean(), (finalizers, present) => {
        const obj: KubeObject = { metadata: { name: 'n', resourceVersion: '7', ...(finalizers ? { finalizers } : {}) } };
        const f = 'westward.io/cleanup';
        const ops = finalizerPatch(obj, f, present);
        const before = finalizers ?? [];
        if (before.includes(f) === present) {
          expect(ops).toBeUndefined();
          return;
        }
        const after = applyPatch(obj, ops ?? []).metadata?.finalizers ?? [];
        const expected = present ? [...before, f] : before.filter((x) => x !== f);
        expect(after).toEqual(expected);
        // Every patch is guarded by a test op first.
        expect(ops?.[0]?.op).toBe('test');
      }),
    );
  });

  it('fails its test when someone changed the finalizers in between (property)', () => {
    fc.assert(
      fc.property(names, fc.boolean(), (finalizers, present) => {
        const f = 'westward.io/cleanup';
        const base = present ? finalizers.filter((x) => x !== f) : [...new Set([...finalizers, f])];
        const obj: KubeObject = { metadata: { name: 'n', resourceVersion: '7', finalizers: base } };
        const ops = finalizerPatch(obj, f, present) ?? [];
        const changed: KubeObject = { metadata: { name: 'n', resourceVersion: '8', finalizers: [...base, 'other.io/new'] } };
        expect(() => applyPatch(changed, ops)).toThrow(/test/);
      }),
    );
  });
});

describe('setFinalizer', () => {
  it('re-reads and retries when the guarded patch finds the object changed, keeping the other writer’s finalizer', async () => {
    let server: KubeObject = { metadata: { name: 'n', resourceVersion: '1', finalizers: ['a.io/x'] } };
    let reads = 0;
    let patches = 0;
    const target: PatchTarget = {
      read: () => {
        reads++;
        return Promise.resolve(structuredClone(server));
      },
      jsonPatch: (ops) => {
        patches++;
        try {
          server = applyPatch(server, ops);
          return Promise.resolve(server);
        } catch {
          // What the API server really answers to a failed test op: a bare 422 Invalid.
          return Promise.reject(new KubeApiError({ kind: 'Invalid', code: 422, message: 'the server rejected our request due to an error in our request' }));
        }
      },
    };
    // Our cached copy is stale: someone added b.io/y since.
    const stale = structuredClone(server);
    server = { metadata: { name: 'n', resourceVersion: '2', finalizers: ['a.io/x', 'b.io/y'] } };
    const result = await setFinalizer(target, 'westward.io/cleanup', true, { current: stale });
    expect(result?.metadata?.finalizers).toEqual(['a.io/x', 'b.io/y', 'westward.io/cleanup']);
    expect(patches).toBe(2);
    expect(reads).toBe(1);
    // Already present: no write at all.
    await setFinalizer(target, 'westward.io/cleanup', true);
    expect(patches).toBe(2);
  });

  it('throws a 422 that is not caused by a concurrent change (object unchanged on re-read)', async () => {
    const server: KubeObject = { metadata: { name: 'n', resourceVersion: '1' } };
    let patches = 0;
    const target: PatchTarget = {
      read: () => Promise.resolve(structuredClone(server)),
      jsonPatch: () => {
        patches++;
        return Promise.reject(new KubeApiError({ kind: 'Invalid', code: 422, message: 'invalid finalizer name' }));
      },
    };
    await expect(setFinalizer(target, 'not a valid name', true)).rejects.toMatchObject({ kind: 'Invalid' });
    expect(patches).toBe(1);
  });

  it('treats removal from an object that is gone as done', async () => {
    const target: PatchTarget = {
      read: () => Promise.reject(new KubeApiError({ kind: 'NotFound', code: 404, message: 'gone' })),
      jsonPatch: () => Promise.reject(new Error('unexpected')),
    };
    await expect(setFinalizer(target, 'westward.io/cleanup', false)).resolves.toBeUndefined();
    await expect(setFinalizer(target, 'westward.io/cleanup', true)).rejects.toMatchObject({ kind: 'NotFound' });
  });
});

// A scripted stand-in for client-node's Watch: each watch() call opens a connection the test drives.
import type { WatchLike } from '../../../src/runtime/informer.ts';

export interface FakeConnection {
  readonly query: Record<string, string | number | boolean | undefined>;
  emit(type: string, obj: unknown): void;
  end(err?: unknown): void;
  readonly closed: boolean;
}

export class FakeWatch implements WatchLike {
  readonly connections: FakeConnection[] = [];

  watch(
    _path: string,
    query: Record<string, string | number | boolean | undefined>,
    callback: (phase: string, apiObj: unknown) => void,
    done: (err: unknown) => void,
  ): Promise<AbortController> {
    const controller = new AbortController();
    let closed = false;
    const conn: FakeConnection = {
      query,
      emit: (type, obj) => {
        if (!closed) callback(type, obj);
      },
      end: (err) => {
        if (closed) return;
        closed = true;
        done(err ?? null);
      },
      get closed() {
        return closed;
      },
    };
    controller.signal.addEventListener('abort', () => {
      conn.end(new DOMException('aborted', 'AbortError'));
    });
    this.connections.push(conn);
    return Promise.resolve(controller);
  }

  last(): FakeConnection {
    const c = this.connections.at(-1);
    if (c === undefined) throw new Error('no watch connection yet');
    return c;
  }
}

export const cm = (name: string, rv: string, ns = 'default'): { metadata: { name: string; namespace: string; resourceVersion: string } } => ({
  metadata: { name, namespace: ns, resourceVersion: rv },
});

import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { installShutdown, operatorShutdownSteps } from '../../../src/runtime/shutdown.ts';

describe('installShutdown', () => {
  it('runs the steps in order once on SIGTERM, and reports a failing or stuck step', async () => {
    const emitter = new EventEmitter();
    const order: string[] = [];
    const codes: number[] = [];
    const handle = installShutdown({
      emitter: emitter as unknown as NodeJS.Process,
      exit: (c) => codes.push(c),
      steps: [
        { name: 'informers', run: () => Promise.resolve(void order.push('informers')) },
        { name: 'queue', run: () => new Promise(() => order.push('queue')), timeoutMs: 20 },
        { name: 'lease', run: () => Promise.resolve(void order.push('lease')) },
      ],
    });
    emitter.emit('SIGTERM');
    emitter.emit('SIGINT');
    const code = await handle.shutdown('again');
    expect(order).toEqual(['informers', 'queue', 'lease']);
    expect(code).toBe(1);
    expect(codes).toEqual([1]);
    handle.dispose();
  });
});

describe('operatorShutdownSteps', () => {
  it('stops informers, drains controllers, releases the lease and closes servers, in that order', async () => {
    const order: string[] = [];
    const rec = (what: string) => () => {
      order.push(what);
      return Promise.resolve();
    };
    const steps = operatorShutdownSteps({
      servers: [{ close: rec('server') }],
      elector: { stop: rec('lease') },
      controllers: [{ stop: (o) => rec(`controller drain=${String(o?.drain)}`)() }],
      informers: [{ stop: rec('informer-a') }, { stop: rec('informer-b') }],
    });
    for (const s of steps) await s.run();
    expect(order).toEqual(['informer-a', 'informer-b', 'controller drain=true', 'lease', 'server']);
  });
});

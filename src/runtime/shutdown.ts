// Graceful shutdown: on SIGTERM or SIGINT run the steps in order (stop informers, drain the
// queues, release the lease, close servers), each bounded by a timeout so a stuck step cannot
// keep the pod past its termination grace period.
import type { Logger } from 'pino';

export interface ShutdownStep {
  readonly name: string;
  readonly run: () => Promise<void>;
  /** Default 10 s. */
  readonly timeoutMs?: number;
}

export interface ShutdownOptions {
  readonly steps: readonly ShutdownStep[];
  readonly logger?: Logger;
  readonly signals?: readonly NodeJS.Signals[];
  /** Called after the steps with 0, or 1 if any failed; default sets process.exitCode. */
  readonly exit?: (code: number) => void;
  /** Where signals come from; default `process`. */
  readonly emitter?: Pick<NodeJS.Process, 'once' | 'off'>;
}

export interface ShutdownHandle {
  /** Runs the steps once; later calls return the same promise. */
  shutdown(reason: string): Promise<number>;
  /** Removes the signal handlers. */
  dispose(): void;
}

export function installShutdown(options: ShutdownOptions): ShutdownHandle {
  const emitter = options.emitter ?? process;
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
  const exit = options.exit ?? ((code: number) => (process.exitCode = code));
  let running: Promise<number> | undefined;

  const shutdown = (reason: string): Promise<number> => {
    running ??= (async () => {
      options.logger?.info({ reason }, 'Shutting down');
      let failed = false;
      for (const step of options.steps) {
        const ok = await runStep(step, options.logger);
        failed ||= !ok;
      }
      const code = failed ? 1 : 0;
      options.logger?.info({ code }, 'Shut down');
      exit(code);
      return code;
    })();
    return running;
  };

  const handlers = signals.map((signal) => {
    const handler = (): void => {
      void shutdown(signal);
    };
    emitter.once(signal, handler);
    return { signal, handler };
  });

  return {
    shutdown,
    dispose: () => {
      for (const { signal, handler } of handlers) emitter.off(signal, handler);
    },
  };
}

/** The usual order for the operator: informers, then queues (drained), then lease, then servers. */
export function operatorShutdownSteps(parts: {
  informers?: readonly { stop(): Promise<void> }[];
  controllers?: readonly { stop(options?: { drain?: boolean }): Promise<void> }[];
  elector?: { stop(): Promise<void> };
  servers?: readonly { close(): Promise<void> }[];
}): ShutdownStep[] {
  const all = async (ps: Promise<unknown>[]): Promise<void> => {
    await Promise.all(ps);
  };
  return [
    { name: 'informers', run: () => all((parts.informers ?? []).map((i) => i.stop())) },
    { name: 'queues', run: () => all((parts.controllers ?? []).map((c) => c.stop({ drain: true }))), timeoutMs: 20_000 },
    { name: 'lease', run: () => all(parts.elector === undefined ? [] : [parts.elector.stop()]) },
    { name: 'servers', run: () => all((parts.servers ?? []).map((s) => s.close())) },
  ];
}

async function runStep(step: ShutdownStep, logger: Logger | undefined): Promise<boolean> {
  const timeoutMs = step.timeoutMs ?? 10_000;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => {
      resolve('timeout');
    }, timeoutMs);
  });
  try {
    const result = await Promise.race([step.run().then(() => 'done' as const), timeout]);
    if (result === 'timeout') {
      logger?.warn({ step: step.name, timeoutMs }, 'Shutdown step timed out');
      return false;
    }
    logger?.debug({ step: step.name }, 'Shutdown step done');
    return true;
  } catch (err) {
    logger?.error({ step: step.name, err }, 'Shutdown step failed');
    return false;
  } finally {
    clearTimeout(timer);
  }
}

// The real operator (`node src/main.ts`) as a child process of the demo, its output in a log file.
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import path from 'node:path';

export interface OperatorChild {
  logFile: string;
  exited: () => boolean;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code */
  stop: (graceMs?: number) => Promise<number | null>;
}

export async function startOperatorChild(options: { root: string; kubeconfig: string; logFile: string; planInterval: string; namespaces: string[]; startTimeoutMs?: number }): Promise<OperatorChild> {
  mkdirSync(path.dirname(options.logFile), { recursive: true });
  const fd = openSync(options.logFile, 'w');
  const child = spawn(
    process.execPath,
    [
      path.join(options.root, 'src/main.ts'),
      '--kubeconfig', options.kubeconfig,
      '--metrics-bind-address', '127.0.0.1:0',
      '--health-probe-bind-address', '127.0.0.1:0',
      '--plan-interval', options.planInterval,
      // Only the demo's FactoryWorkloads: a shared cluster may hold others' with their own operator.
      '--namespace', ...options.namespaces,
    ],
    // Its own process group: a Ctrl-C reaches the demo, which stops the operator in order.
    { cwd: options.root, stdio: ['ignore', fd, fd], detached: true },
  );
  closeSync(fd);
  let code: number | null | undefined;
  const exit = new Promise<number | null>((resolve) => {
    child.on('exit', (c, signal) => {
      code = c ?? (signal === null ? null : 128);
      resolve(code);
    });
  });

  const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
  for (;;) {
    const log = readFileSync(options.logFile, 'utf8');
    if (log.includes('"msg":"Operator started"')) break;
    if (code !== undefined) throw new Error(`the operator exited (${String(code)}) before it started; see ${options.logFile}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the operator did not start within ${Math.round((options.startTimeoutMs ?? 60_000) / 1000)} s; see ${options.logFile}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }

  return {
    logFile: options.logFile,
    exited: () => code !== undefined,
    stop: async (graceMs = 25_000) => {
      if (code !== undefined) return code;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const result = await exit;
      clearTimeout(timer);
      return result;
    },
  };
}

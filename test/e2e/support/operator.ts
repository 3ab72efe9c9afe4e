// Runs the real operator (`node src/main.ts`) as a child process against the local cluster.
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { kubeconfigPath } from './kube.ts';

const root = path.resolve(import.meta.dirname, '../../..');

export interface OperatorProcess {
  metricsUrl: string;
  logs: () => string[];
  /** SIGTERM and wait for a clean exit */
  stop: () => Promise<number | null>;
  /** SIGKILL: a crash, no lease release */
  kill: () => Promise<void>;
  exited: () => boolean;
}

export interface OperatorFlags {
  /** default: the cluster administrator's kubeconfig */
  kubeconfig?: string;
  namespaces?: string[];
  /** where Hub credentials Secrets may be read (default: the operator's own namespace) */
  credentialsNamespaces?: string[];
  leaderElect?: { namespace: string; id: string };
  extra?: string[];
  /** added to the operator's environment (e.g. WESTWARD_FAILPOINTS) */
  env?: Record<string, string>;
}

export async function startOperator(flags: OperatorFlags = {}): Promise<OperatorProcess> {
  const args = [
    path.join(root, 'src/main.ts'),
    '--kubeconfig', flags.kubeconfig ?? kubeconfigPath(),
    '--metrics-bind-address', '127.0.0.1:0',
    '--health-probe-bind-address', '127.0.0.1:0',
    '--plan-interval', '2s',
    '--log-level', 'debug',
    ...(flags.namespaces?.length ? ['--namespace', ...flags.namespaces] : []),
    ...(flags.credentialsNamespaces?.length ? ['--credentials-namespace', ...flags.credentialsNamespaces] : []),
    ...(flags.leaderElect
      ? ['--leader-elect', '--leader-election-namespace', flags.leaderElect.namespace, '--leader-election-id', flags.leaderElect.id]
      : []),
    ...(flags.extra ?? []),
  ];
  const child: ChildProcess = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...flags.env } });
  const lines: string[] = [];
  // Kept beside the cluster's own logs for a look after a failed run.
  const logDir = path.join(root, '.cluster', 'logs');
  mkdirSync(logDir, { recursive: true });
  const logFile = path.join(logDir, `operator-${Date.now()}-${String(child.pid)}.log`);
  let exited = false;
  const exit = new Promise<number | null>((resolve) => {
    child.on('exit', (code) => {
      exited = true;
      resolve(code);
    });
  });
  const started = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`operator did not start within 60 s:\n${lines.slice(-30).join('\n')}`));
    }, 60_000);
    const onLine = (line: string): void => {
      lines.push(line);
      appendFileSync(logFile, line + '\n');
      if (lines.length > 20_000) lines.splice(0, 10_000);
      if (line.includes('"msg":"Operator started"')) {
        clearTimeout(timer);
        resolve((JSON.parse(line) as { metrics: string }).metrics);
      }
    };
    let buffered = '';
    const collect = (chunk: Buffer): void => {
      buffered += chunk.toString('utf8');
      const parts = buffered.split('\n');
      buffered = parts.pop() ?? '';
      for (const part of parts) onLine(part);
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    void exit.then((code) => {
      clearTimeout(timer);
      reject(new Error(`operator exited with ${String(code)} before starting:\n${lines.slice(-30).join('\n')}`));
    });
  });
  const metricsUrl = await started;
  return {
    metricsUrl,
    logs: () => lines,
    exited: () => exited,
    stop: async () => {
      if (!exited) child.kill('SIGTERM');
      return exit;
    },
    kill: async () => {
      if (!exited) child.kill('SIGKILL');
      await exit;
    },
  };
}

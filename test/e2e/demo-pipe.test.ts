// `npm run demo | tee log`, then Ctrl-C: the reader of the demo's output dies with the same
// signal. The demo must still stop everything it started, its own control plane included.
// It runs here with a control plane of its own (WESTWARD_CLUSTER_DIR), which it starts and must
// bring down; its stdout is a pipe that this test closes before sending SIGINT.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const clusterDir = mkdtempSync(path.join(tmpdir(), 'westward-demo-pipe-'));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

afterAll(() => {
  // Whatever the outcome, no second control plane outlives the test.
  if (existsSync(clusterDir)) spawnSync('bash', [path.join(root, 'test/cluster/down.sh')], { env: { ...process.env, WESTWARD_CLUSTER_DIR: clusterDir }, stdio: 'ignore' });
  rmSync(clusterDir, { recursive: true, force: true });
});

describe('the demo with its output piped', () => {
  it('cleans up after Ctrl-C although the pipe’s reader is gone', async () => {
    const child = spawn(process.execPath, [path.join(root, 'test/demo/demo.ts'), '--hour-seconds', '5'], {
      cwd: root,
      env: { ...process.env, WESTWARD_CLUSTER_DIR: clusterDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    let seen = '';
    // The first frame: control plane up, samples applied, operator running.
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        seen += chunk.toString('utf8');
        if (seen.includes('─'.repeat(100))) resolve();
      });
      void exited.then((code) => {
        reject(new Error(`the demo exited with ${String(code)} before its first frame:\n${seen}\n${stderr}`));
      });
    });
    const pids = readdirSync(path.join(clusterDir, 'pids')).map((f) => Number(readFileSync(path.join(clusterDir, 'pids', f), 'utf8')));
    expect(pids.length).toBeGreaterThanOrEqual(5);
    expect(pids.every(alive)).toBe(true);

    // tee is gone: the read end closes, so the demo's next write fails with EPIPE.
    child.stdout.destroy();
    child.kill('SIGINT');
    const code = await exited;

    expect(code, stderr).toBe(0);
    expect(pids.filter(alive)).toEqual([]);
    expect(existsSync(path.join(clusterDir, 'kubeconfig'))).toBe(false);
  });
});

// The helm that test/cluster/helm.sh builds (release ldflags, cached), and a way to run it on the
// repository's chart.
import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';
import { chartDir, parseObjects, repoRoot, type KubeObject } from './repo.ts';

let cached: string | undefined;

/** The helm binary's path; builds it on first use (a few minutes, then cached). */
export function helmBinary(): string {
  cached ??= execFileSync('bash', [path.join(repoRoot, 'test/cluster/helm.sh')], { encoding: 'utf8' }).trim();
  return cached;
}

export interface HelmResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function helm(args: readonly string[], opts: { env?: Record<string, string> } = {}): HelmResult {
  const r = spawnSync(helmBinary(), args, {
    encoding: 'utf8',
    maxBuffer: 32 * 1024 * 1024,
    // No kubeconfig, no cache or config of the user's own helm.
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', HELM_CONFIG_HOME: '/nonexistent', ...opts.env },
  });
  return { code: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
}

/** The objects the chart renders with these --set values (and helm flags). */
export function render(set: Record<string, string | number | boolean> = {}, flags: readonly string[] = []): KubeObject[] {
  const args = ['template', 'westward', chartDir, '--namespace', 'westward-system', ...flags];
  const values: Record<string, string | number | boolean> = { 'image.repository': 'registry.test/westward', ...set };
  for (const [k, v] of Object.entries(values)) args.push('--set', `${k}=${String(v)}`);
  const r = helm(args);
  if (r.code !== 0) throw new Error(`helm template failed: ${r.stderr.trim()}`);
  return parseObjects(r.stdout);
}

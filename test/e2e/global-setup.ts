// Brings the local control plane up once for the whole e2e run and down after it, unless one
// was already running (a developer's cluster:up), which is reused and left as it was.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '../..');
const kubeconfig = path.join(root, '.cluster', 'kubeconfig');

function running(): boolean {
  if (!existsSync(kubeconfig)) return false;
  const probe = spawnSync('kubectl', ['--kubeconfig', kubeconfig, 'get', '--raw', '/readyz'], {
    timeout: 10_000,
  });
  return probe.status === 0;
}

export default function setup(): () => void {
  const reused = running();
  if (!reused) {
    execFileSync('bash', [path.join(root, 'test/cluster/up.sh')], { stdio: 'inherit' });
  }
  process.env.KUBECONFIG = kubeconfig;
  return () => {
    if (!reused && process.env.WESTWARD_KEEP_CLUSTER !== '1') {
      execFileSync('bash', [path.join(root, 'test/cluster/down.sh')], { stdio: 'inherit' });
    }
  };
}

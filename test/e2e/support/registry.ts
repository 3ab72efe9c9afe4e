// A container registry on loopback (Debian's docker-registry, plain HTTP) for the release test:
// the image is pushed to it and pulled back, the chart is pushed to it and installed from it.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { eventually } from './kube.ts';

export interface LocalRegistry {
  /** 127.0.0.1:<port> */
  host: string;
  close: () => Promise<void>;
}

export function hasCommand(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`]).status === 0;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export async function startRegistry(): Promise<LocalRegistry> {
  const dir = mkdtempSync(path.join(tmpdir(), 'westward-registry-'));
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const config = path.join(dir, 'config.yml');
  writeFileSync(config, `version: 0.1\nlog: {level: warn}\nstorage: {filesystem: {rootdirectory: ${dir}/data}, delete: {enabled: true}}\nhttp: {addr: "${host}"}\n`);
  const child = spawn('docker-registry', ['serve', config], { stdio: 'ignore' });
  let exited = false;
  child.on('exit', () => (exited = true));
  await eventually(`the registry on ${host}`, async () => {
    if (exited) throw new Error('docker-registry exited');
    return (await fetch(`http://${host}/v2/`)).ok ? true : undefined;
  }, { timeoutMs: 30_000 });
  return {
    host,
    close: async () => {
      if (!exited) {
        const gone = new Promise((resolve) => child.on('exit', resolve));
        child.kill('SIGTERM');
        await gone;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// Bad input to the real processes (`node src/main.ts`, `node src/cli/main.ts`): every case exits
// 1 with exactly one line on stderr naming the flag or the path, no stack frame, and nothing done
// (no output, no connection to the API server).
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));
// The project's Node 24 (the system node may be older).
const node = existsSync(`${root}node_modules/.bin/node`) ? `${root}node_modules/.bin/node` : process.execPath;

interface Outcome {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

function run(script: string, args: readonly string[], env: Record<string, string> = {}): Promise<Outcome> {
  // Neither the machine's kubeconfig nor an in-cluster config may be picked up.
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'KUBECONFIG' && k !== 'KUBERNETES_SERVICE_HOST'));
  return new Promise((resolve) => {
    // The timeout only stops a process that would hang; the assertions are on the outcome.
    execFile(node, [script, ...args], { cwd: root, env: { ...base, HOME: home, ...env }, timeout: 60_000 }, (error, stdout, stderr) => {
      const e = error as (Error & { code?: number | string; signal?: string }) | null;
      resolve({ code: e === null ? 0 : typeof e.code === 'number' ? e.code : null, signal: e?.signal ?? null, stdout, stderr });
    });
  });
}

function expectOneLineError(outcome: Outcome, fragments: readonly string[]): void {
  expect(outcome.signal, outcome.stderr).toBeNull();
  expect(outcome.code, outcome.stderr).toBe(1);
  expect(outcome.stderr).not.toMatch(/^\s+at /m);
  expect(outcome.stderr.endsWith('\n')).toBe(true);
  expect(outcome.stderr.trimEnd().split('\n'), outcome.stderr).toHaveLength(1);
  expect(outcome.stderr).toMatch(/^error: /);
  for (const fragment of fragments) expect(outcome.stderr).toContain(fragment);
  // Nothing was done: the operator logs to stdout, the CLI prints its table there.
  expect(outcome.stdout).toBe('');
}

/** A TCP server standing in for the API server, counting who connects. */
class CountingServer {
  /** Remote ports of accepted connections, in the order they were accepted. */
  private readonly peers: number[] = [];
  private readonly probes = new Set<number>();
  private readonly sockets: Socket[] = [];
  private waiters: (() => void)[] = [];
  private readonly server: Server = createServer((socket) => {
    this.sockets.push(socket);
    this.peers.push(socket.remotePort ?? -1);
    socket.on('error', () => undefined);
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  });

  async start(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as AddressInfo).port;
  }

  private async changed(): Promise<void> {
    await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  /** Connections from others so far: the backlog is accepted in order, so all came before our probe. */
  async connectionsSoFar(): Promise<number> {
    const probe = connect((this.server.address() as AddressInfo).port, '127.0.0.1');
    await new Promise<void>((resolve) => probe.once('connect', resolve));
    const port = probe.localPort ?? -1;
    this.probes.add(port);
    while (!this.peers.includes(port)) await this.changed();
    probe.destroy();
    return this.peers.slice(0, this.peers.indexOf(port)).filter((p) => !this.probes.has(p)).length;
  }

  /** Resolves at the first connection from anyone. */
  async firstConnection(): Promise<void> {
    while (this.peers.length === 0) await this.changed();
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => {
      resolve();
    }));
  }
}

async function busyPort(): Promise<{ port: number; close: () => Promise<void> }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => {
      resolve();
    })),
  };
}

function kubeconfig(server: string, cluster: Record<string, unknown> = {}, currentContext = 'test'): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'test', cluster: { server, 'insecure-skip-tls-verify': true, ...cluster } }],
    contexts: [{ name: 'test', context: { cluster: 'test', user: 'test' } }],
    users: [{ name: 'test', user: { token: 'not-a-real-token' } }],
    'current-context': currentContext,
  });
}

let dir: string;
let home: string;
let api: CountingServer;
let goodConfig: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'westward-errors-'));
  home = join(dir, 'home');
  api = new CountingServer();
  const apiPort = await api.start();
  goodConfig = join(dir, 'good.kubeconfig');
  await writeFile(goodConfig, kubeconfig(`https://127.0.0.1:${apiPort}`));
  await writeFile(join(dir, 'bad-yaml.kubeconfig'), 'clusters: [\n');
  await writeFile(join(dir, 'no-context.kubeconfig'), kubeconfig(`https://127.0.0.1:${apiPort}`, {}, 'elsewhere'));
  await writeFile(join(dir, 'no-ca.kubeconfig'), kubeconfig(`https://127.0.0.1:${apiPort}`, { 'certificate-authority': 'missing-ca.crt', 'insecure-skip-tls-verify': false }));
  await writeFile(join(dir, 'plain-http.kubeconfig'), kubeconfig(`http://127.0.0.1:${apiPort}`, { 'insecure-skip-tls-verify': false }));
});

afterAll(async () => {
  await api.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('the operator refuses bad input in one line, before connecting', { timeout: 120_000 }, () => {
  const operatorCases: [string, () => string[], () => string[], (() => Record<string, string>)?][] = [
    ['a missing --kubeconfig', () => ['--kubeconfig', '/nope'], () => ['--kubeconfig', '/nope', 'no such file']],
    ['a directory as --kubeconfig', () => ['--kubeconfig', dir], () => ['--kubeconfig', dir, 'is a directory']],
    ['a kubeconfig that is not YAML', () => ['--kubeconfig', join(dir, 'bad-yaml.kubeconfig')], () => ['bad-yaml.kubeconfig', 'not a valid kubeconfig']],
    ['a current-context that is not there', () => ['--kubeconfig', join(dir, 'no-context.kubeconfig')], () => ['no-context.kubeconfig', '"elsewhere"']],
    ['a certificate authority file that is not there', () => ['--kubeconfig', join(dir, 'no-ca.kubeconfig')], () => ['no-ca.kubeconfig', 'missing-ca.crt', 'no such file']],
    ['a plain-http server without skipping TLS', () => ['--kubeconfig', join(dir, 'plain-http.kubeconfig')], () => ['plain-http.kubeconfig', 'plain http']],
    ['no kubeconfig anywhere', () => [], () => ['no kubeconfig', '--kubeconfig', 'KUBECONFIG']],
    ['a missing file in $KUBECONFIG', () => [], () => ['KUBECONFIG', '/nope/config', 'no such file'], () => ({ KUBECONFIG: '/nope/config' })],
    ['--max-concurrent-moves two', () => ['--kubeconfig', goodConfig, '--max-concurrent-moves', 'two'], () => ['--max-concurrent-moves', "'two'"]],
    ['--max-concurrent-moves 1e3', () => ['--kubeconfig', goodConfig, '--max-concurrent-moves', '1e3'], () => ['--max-concurrent-moves', "'1e3'"]],
    ['--max-concurrent-moves 2.0', () => ['--kubeconfig', goodConfig, '--max-concurrent-moves', '2.0'], () => ['--max-concurrent-moves', "'2.0'"]],
    ['--max-concurrent-moves 0', () => ['--kubeconfig', goodConfig, '--max-concurrent-moves', '0'], () => ['--max-concurrent-moves', 'at least 1']],
    ['--max-concurrent-moves-per-hub ""', () => ['--kubeconfig', goodConfig, '--max-concurrent-moves-per-hub', ''], () => ['--max-concurrent-moves-per-hub']],
    ['--plan-interval 1x', () => ['--kubeconfig', goodConfig, '--plan-interval', '1x'], () => ['--plan-interval', "'1x'"]],
    ['--plan-interval 0', () => ['--kubeconfig', goodConfig, '--plan-interval', '0'], () => ['--plan-interval', 'above zero']],
    ['--accounting-step 15', () => ['--kubeconfig', goodConfig, '--accounting-step', '15'], () => ['--accounting-step', "'15'"]],
    ['--metrics-bind-address without a port', () => ['--kubeconfig', goodConfig, '--metrics-bind-address', '8080'], () => ['--metrics-bind-address', "'8080'"]],
    ['--metrics-bind-address with a port beyond 65535', () => ['--kubeconfig', goodConfig, '--metrics-bind-address', ':99999'], () => ['--metrics-bind-address', '99999']],
    ['--health-probe-bind-address with a bad host', () => ['--kubeconfig', goodConfig, '--health-probe-bind-address', 'bad_host:8081'], () => ['--health-probe-bind-address', 'bad_host']],
    ['--namespace that is not a namespace name', () => ['--kubeconfig', goodConfig, '--namespace', 'Team_A'], () => ['--namespace', "'Team_A'"]],
    ['--leader-election-namespace that is not a namespace name', () => ['--kubeconfig', goodConfig, '--leader-election-namespace', 'x/y'], () => ['--leader-election-namespace', "'x/y'"]],
    ['an empty --leader-election-id', () => ['--kubeconfig', goodConfig, '--leader-election-id', ''], () => ['--leader-election-id']],
    ['--log-level loud', () => ['--kubeconfig', goodConfig, '--log-level', 'loud'], () => ['--log-level', "'loud'"]],
    ['an unknown flag', () => ['--kubeconfig', goodConfig, '--metrics-port', '9090'], () => ["'--metrics-port'"]],
  ];

  it.each(operatorCases)('%s', async (_name, args, fragments, env) => {
    expectOneLineError(await run('src/main.ts', args(), env?.()), fragments());
    expect(await api.connectionsSoFar()).toBe(0);
  });

  it.each(['--metrics-bind-address', '--health-probe-bind-address'])('a busy port for %s', async (flag) => {
    const busy = await busyPort();
    try {
      const outcome = await run('src/main.ts', ['--kubeconfig', goodConfig, '--metrics-bind-address', '127.0.0.1:0', '--health-probe-bind-address', '127.0.0.1:0', flag, `127.0.0.1:${busy.port}`]);
      expectOneLineError(outcome, [flag, `127.0.0.1:${busy.port}`, 'address already in use']);
    } finally {
      await busy.close();
    }
    // The ports are checked before the informers start.
    expect(await api.connectionsSoFar()).toBe(0);
  });

  it('with good input it does connect (so the checks above can fail)', async () => {
    const control = new CountingServer();
    const port = await control.start();
    const config = join(dir, 'control.kubeconfig');
    await writeFile(config, kubeconfig(`https://127.0.0.1:${port}`));
    const child = execFile(node, ['src/main.ts', '--kubeconfig', config, '--metrics-bind-address', '127.0.0.1:0', '--health-probe-bind-address', '127.0.0.1:0', '--log-level', 'error'], { cwd: root, env: { ...process.env, HOME: home } });
    const exited = new Promise<void>((resolve) => child.once('exit', () => {
      resolve();
    }));
    try {
      await control.firstConnection();
    } finally {
      child.kill('SIGKILL');
      await exited;
      await control.stop();
    }
  });
});

describe('the westward CLI refuses bad input in one line, before the run', { timeout: 120_000 }, () => {
  const cliCases: [string, () => string[], () => string[]][] = [
    ['simulate -f of a missing folder', () => ['simulate', '-f', 'nope/'], () => ['-f', 'nope/', 'no such file']],
    ['simulate without -f', () => ['simulate'], () => ['-f, --filename']],
    ['simulate -f of a file that is not YAML', () => ['simulate', '-f', 'README.md'], () => ['README.md', 'line']],
    ['a missing --trace file', () => ['simulate', '-f', 'config/samples/', '--trace', 'gansu-qingyang=nope.csv'], () => ['--trace', 'nope.csv', 'no such file']],
    ['a folder as --trace', () => ['simulate', '-f', 'config/samples/', '--trace', 'gansu-qingyang=config/samples'], () => ['--trace', 'config/samples', 'is a directory']],
    ['--trace without a hub', () => ['simulate', '-f', 'config/samples/', '--trace', 'x.csv'], () => ['--trace', 'x.csv']],
    ['--html in a missing folder', () => ['simulate', '-f', 'config/samples/', '--html', join(dir, 'missing', 'report.html')], () => ['--html', join(dir, 'missing', 'report.html'), 'no such file']],
    ['--json in a missing folder', () => ['simulate', '-f', 'config/samples/', '--json', join(dir, 'missing', 'out.json')], () => ['--json', join(dir, 'missing', 'out.json')]],
    ['--json that is a folder', () => ['simulate', '-f', 'config/samples/', '--json', dir], () => ['--json', dir, 'is a directory']],
    ['--step 1x', () => ['simulate', '-f', 'config/samples/', '--step', '1x'], () => ['--step', '"1x"']],
    ['--horizon 0', () => ['simulate', '-f', 'config/samples/', '--horizon', '0'], () => ['--horizon', 'positive']],
    ['--max-moves two', () => ['simulate', '-f', 'config/samples/', '--max-moves', 'two'], () => ['--max-moves', '"two"']],
    ['--max-moves 1e3', () => ['simulate', '-f', 'config/samples/', '--max-moves', '1e3'], () => ['--max-moves', '"1e3"']],
    ['--max-moves-per-hub ""', () => ['simulate', '-f', 'config/samples/', '--max-moves-per-hub', ''], () => ['--max-moves-per-hub']],
    ['--seed -1', () => ['simulate', '-f', 'config/samples/', '--seed=-1'], () => ['--seed', '"-1"']],
    ['--forecast-error lots', () => ['simulate', '-f', 'config/samples/', '--forecast-error', 'lots'], () => ['--forecast-error', '"lots"']],
    ['--from 5', () => ['simulate', '-f', 'config/samples/', '--from', '5'], () => ['--from', '"5"']],
    ['--from on a day that does not exist', () => ['simulate', '-f', 'config/samples/', '--from', '2026-02-30'], () => ['--from', '2026-02-30']],
    ['--to before --from', () => ['simulate', '-f', 'config/samples/', '--from', '2026-06-03', '--to', '2026-06-02'], () => ['--to', '--from']],
    ['an unknown simulate flag', () => ['simulate', '-f', 'config/samples/', '--steps', '1h'], () => ["'--steps'"]],
    ['an unknown command', () => ['simulte'], () => ["'simulte'"]],
  ];

  it.each(cliCases)('%s', async (_name, args, fragments) => {
    expectOneLineError(await run('src/cli/main.ts', args()), fragments());
  });

  it.each([
    [['--provider', 'Static', '--file', 'nope.yaml'], ['nope.yaml', 'ENOENT']],
    [['--provider', 'OpenMeteo', '--file', 'test/fixtures/forecast/open-meteo-single.json', '--hub', 'nope-hub.yaml'], ['nope-hub.yaml', 'ENOENT']],
    [['--provider', 'Nope', '--file', 'test/fixtures/forecast/open-meteo-single.json'], ['--provider', 'Nope']],
  ])('forecast parse %j', async (args, fragments) => {
    const outcome = await run('src/cli/main.ts', ['forecast', 'parse', ...args]);
    expect(outcome.code).toBe(1);
    expect(outcome.stderr).not.toMatch(/^\s+at /m);
    expect(outcome.stderr.trimEnd().split('\n')).toHaveLength(1);
    for (const fragment of fragments) expect(outcome.stderr).toContain(fragment);
  });
});

// The release as a platform team gets it, on the real control plane: the chart packaged and pushed
// to an OCI registry on loopback, installed from there, upgraded with changed values (CRDs first,
// as docs/install.md says), uninstalled without leftovers; and the image that `npm run
// image:build` made, pushed to the same registry and pulled back, running the operator with the
// token of the ServiceAccount the chart created until it places a workload.
// Without docker-registry the chart is installed from the packaged .tgz; without a built image
// (or buildah) the image test is skipped, and says so.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CoreV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { helmBinary } from '../unit/packaging/helm.ts';
import { eventually, kubeConfig, kubeconfigPath, kubectlOk } from './support/kube.ts';
import { hasCommand, startRegistry, type LocalRegistry } from './support/registry.ts';
import {
  applyCrds,
  createScenario,
  createTargetAndWorkload,
  factoryWorkload,
  getWorkload,
  targetDeployment,
  waitForPlacement,
  type Scenario,
} from './support/scenario.ts';

const root = path.resolve(import.meta.dirname, '../..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string };
const chartVersion = (parse(readFileSync(path.join(root, 'charts/westward/Chart.yaml'), 'utf8')) as { version: string }).version;
const localImage = `localhost/westward:${pkg.version}`;
const imageInStorage = hasCommand('buildah') && spawnSync('buildah', ['inspect', '--type', 'image', localImage], { stdio: 'ignore' }).status === 0;
// An image built from another commit holds other code: testing it would test the wrong thing.
const head = spawnSync('git', ['-C', root, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).stdout.trim();
const imageRevision = imageInStorage
  ? spawnSync('buildah', ['inspect', '--type', 'image', '--format', '{{index .OCIv1.Config.Labels "org.opencontainers.image.revision"}}', localImage], { encoding: 'utf8' }).stdout.trim()
  : '';
const imageBuilt = imageInStorage && imageRevision === head && head !== '';
if (!imageInStorage) console.warn(`[release] SKIPPING the image test: ${localImage} is not in buildah's storage (run npm run image:build)`);
else if (!imageBuilt) console.warn(`[release] SKIPPING the image test: ${localImage} was built from ${imageRevision || 'an unknown revision'}, not from ${head} (run npm run image:build)`);
const withRegistry = hasCommand('docker-registry') && hasCommand('skopeo');
if (!withRegistry) console.warn('[release] no docker-registry/skopeo: the chart is installed from the packaged .tgz, not from an OCI registry');

const suffix = Math.random().toString(16).slice(2, 8);
const release = `ww-${suffix}`;
const namespace = `westward-release-${suffix}`;
const work = mkdtempSync(path.join(tmpdir(), 'westward-release-'));
let registry: LocalRegistry | undefined;
let chartRef = '';
let imageRepository = `registry.invalid/westward`;

function run(file: string, args: readonly string[], opts: { input?: string } = {}): string {
  const r = spawnSync(file, args, {
    encoding: 'utf8',
    input: opts.input,
    maxBuffer: 32 * 1024 * 1024,
    env: { ...process.env, HELM_CACHE_HOME: path.join(work, 'helm/cache'), HELM_CONFIG_HOME: path.join(work, 'helm/config'), HELM_DATA_HOME: path.join(work, 'helm/data') },
  });
  if (r.status !== 0) throw new Error(`${path.basename(file)} ${args.join(' ')} failed (${String(r.status)}): ${r.stderr.trim()}`);
  return r.stdout;
}
const helm = (...args: string[]): string => run(helmBinary(), [...args, '--kubeconfig', kubeconfigPath()]);
const plainHttp = (): string[] => (registry ? ['--plain-http'] : []);

/** The processes below pid (chroot isolation runs the container's command as a host process). */
function descendants(pid: number): { pid: number; args: string }[] {
  const table = run('ps', ['-e', '-o', 'pid=,ppid=,args='])
    .split('\n')
    .map((l) => /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(l))
    .filter((m) => m !== null)
    .map((m) => ({ pid: Number(m[1]), ppid: Number(m[2]), args: m[3] ?? '' }));
  const out: { pid: number; args: string }[] = [];
  const walk = (parent: number): void => {
    for (const p of table.filter((t) => t.ppid === parent)) {
      out.push({ pid: p.pid, args: p.args });
      walk(p.pid);
    }
  };
  walk(pid);
  return out;
}

async function instanceObjects(): Promise<string[]> {
  const selector = `app.kubernetes.io/instance=${release}`;
  const namespaced = await kubectlOk(['get', 'deploy,rs,pods,svc,sa,roles,rolebindings,pdb,configmaps', '-n', namespace, '-l', selector, '-o', 'name', '--ignore-not-found']);
  const cluster = await kubectlOk(['get', 'clusterroles,clusterrolebindings', '-l', selector, '-o', 'name']);
  const releases = await kubectlOk(['get', 'secrets', '-n', namespace, '-l', `owner=helm,name=${release}`, '-o', 'name']);
  return [...namespaced.split('\n'), ...cluster.split('\n'), ...releases.split('\n')].filter((l) => l !== '');
}

beforeAll(async () => {
  helmBinary();
  await applyCrds();
  const packaged = run(helmBinary(), ['package', path.join(root, 'charts/westward'), '--destination', work]);
  const tgz = path.join(work, `westward-${chartVersion}.tgz`);
  expect(packaged).toContain(tgz);
  chartRef = tgz;
  if (withRegistry) {
    registry = await startRegistry();
    run(helmBinary(), ['push', tgz, `oci://${registry.host}/charts`, '--plain-http']);
    chartRef = `oci://${registry.host}/charts/westward`;
    imageRepository = `${registry.host}/westward`;
  }
}, 900_000);

afterAll(async () => {
  await kubectlOk(['delete', 'namespace', namespace, '--ignore-not-found', '--wait=false']);
  await registry?.close();
  rmSync(work, { recursive: true, force: true });
});

describe('the chart from the registry', () => {
  it('installs: every object accepted by the API server, the notes say why no ServiceMonitor', async () => {
    const out = helm('install', release, chartRef, '--version', chartVersion, ...plainHttp(), '--namespace', namespace, '--create-namespace',
      '--set', `image.repository=${imageRepository}`, '--set', 'serviceMonitor.enabled=true');
    expect(out).toContain('STATUS: deployed');
    expect(out).toContain('no ServiceMonitor: this cluster does not serve monitoring.coreos.com/v1');
    const objects = await instanceObjects();
    for (const o of [`deployment.apps/${release}-westward`, `serviceaccount/${release}-westward`, `service/${release}-westward-metrics`,
      `role.rbac.authorization.k8s.io/${release}-westward-leader-election`, `clusterrole.rbac.authorization.k8s.io/${release}-westward-manager`,
      `poddisruptionbudget.policy/${release}-westward`]) expect(objects).toContain(o);
    const image = await kubectlOk(['get', 'deploy', `${release}-westward`, '-n', namespace, '-o', 'jsonpath={.spec.template.spec.containers[0].image}']);
    expect(image).toBe(`${imageRepository}:${pkg.version}`);
  });
});

describe('config/examples', () => {
  it('is accepted by the API server as it stands (server-side dry run; the FactoryWorkload in a namespace of ours)', async () => {
    const hub = await kubectlOk(['create', '--dry-run=server', '-o', 'name', '-f', path.join(root, 'config/examples/hub.yaml')]);
    expect(hub.trim()).toBe('hub.westward.io/gansu-qingyang');
    const fw = parse(readFileSync(path.join(root, 'config/examples/factoryworkload-shadow.yaml'), 'utf8')) as {
      metadata: { namespace: string };
      spec: { placement: { mode: string } };
    };
    expect(fw.spec.placement.mode).toBe('Shadow');
    fw.metadata.namespace = namespace;
    const created = await kubectlOk(['create', '--dry-run=server', '-o', 'json', '-f', '-'], { input: JSON.stringify(fw) });
    expect((JSON.parse(created) as { spec: { placement: { mode: string } } }).spec.placement.mode).toBe('Shadow');
  });
});

describe.skipIf(!imageBuilt)(`the image ${localImage}`, () => {
  let scenario: Scenario | undefined;
  let container = '';
  let pulled = '';
  let stopOperator: (() => Promise<number | null>) | undefined;
  afterAll(async () => {
    await stopOperator?.();
    if (container !== '') spawnSync('buildah', ['rm', container], { stdio: 'ignore' });
    // Only the tag of the pulled copy goes; the image stays as localImage.
    if (pulled !== '') spawnSync('buildah', ['rmi', pulled], { stdio: 'ignore' });
    await scenario?.teardown();
  });

  it('round-trips through the registry with a non-root user, its entrypoint and its labels', () => {
    let ref = localImage;
    if (registry) {
      run('skopeo', ['copy', '--quiet', '--dest-tls-verify=false', `containers-storage:${localImage}`, `docker://${imageRepository}:${pkg.version}`]);
      const remote = `docker://${imageRepository}:${pkg.version}`;
      const labels = (JSON.parse(run('skopeo', ['inspect', '--tls-verify=false', remote])) as { Labels: Record<string, string> }).Labels;
      expect(labels['org.opencontainers.image.version']).toBe(pkg.version);
      const layers = (JSON.parse(run('skopeo', ['inspect', '--raw', '--tls-verify=false', remote])) as { layers: { size: number }[] }).layers;
      const mb = layers.reduce((s, l) => s + l.size, 0) / 1e6;
      console.log(`[release] image in the registry: ${layers.length} layers, ${mb.toFixed(1)} MB compressed`);
      ref = `${imageRepository}:${pkg.version}`;
      pulled = ref;
    }
    // Pulled back from the registry when there is one.
    container = run('buildah', ['from', '--quiet', ...(registry ? ['--tls-verify=false', '--pull-always'] : []), ref]).trim();
    const config = JSON.parse(run('buildah', ['inspect', '--type', 'container', container])) as { OCIv1: { config: { User: string; Entrypoint: string[] } } };
    expect(config.OCIv1.config.User).toMatch(/^[1-9]\d*:\d+$/);
    expect(config.OCIv1.config.Entrypoint).toEqual(['node', 'dist/src/main.js']);
  });

  it('runs the operator with the chart’s ServiceAccount token, and it places a workload', async () => {
    expect(container).not.toBe('');
    const flat = parse(await kubectlOk(['config', 'view', '--raw', '--minify', '--flatten'])) as { clusters: { cluster: Record<string, string> }[] };
    const cluster = flat.clusters[0]?.cluster ?? {};
    const token = (await kubectlOk(['create', 'token', `${release}-westward`, '-n', namespace, '--duration', '1h'])).trim();
    const kubeconfig = path.join(work, 'kubeconfig');
    writeFileSync(kubeconfig, JSON.stringify({
      apiVersion: 'v1', kind: 'Config', 'current-context': 'westward',
      clusters: [{ name: 'local', cluster: { server: cluster.server, 'certificate-authority-data': cluster['certificate-authority-data'] } }],
      users: [{ name: 'westward', user: { token } }],
      contexts: [{ name: 'westward', context: { cluster: 'local', user: 'westward' } }],
    }));
    run('buildah', ['copy', '--quiet', '--chown', '65532:65532', '--chmod', '0600', container, kubeconfig, '/tmp/kubeconfig']);

    // The token Secret goes where the chart lets the operator read credentials: its own namespace.
    scenario = await createScenario([
      { name: 'green', rttMs: 30, signal: { renewableShare: 0.9, carbonIntensity: 80 }, nodes: [{ cpu: '32', gpu: 2 }] },
      { name: 'coal', rttMs: 10, signal: { renewableShare: 0.1, carbonIntensity: 700 }, nodes: [{ cpu: '32', gpu: 2 }] },
    ], { secretNamespace: namespace });
    const ns = `release-wl-${suffix}`;
    await kubeConfig().makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: ns } } });
    const entrypoint = ['node', 'dist/src/main.js'];
    const startedAt = Date.now();
    const child = spawn('buildah', ['run', '--isolation', 'chroot', '--network', 'host', container, '--', ...entrypoint,
      '--kubeconfig', '/tmp/kubeconfig', '--metrics-bind-address', '127.0.0.1:0', '--health-probe-bind-address', '127.0.0.1:0',
      '--leader-elect', '--leader-election-namespace', namespace, '--credentials-namespace', namespace, '--namespace', ns, '--plan-interval', '2s'], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const lines: string[] = [];
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    stopOperator = async () => {
      // buildah run does not pass SIGTERM on (it kills its command): signal the operator itself,
      // as a kubelet would, and buildah exits with its exit code.
      if (child.exitCode === null && child.pid !== undefined) {
        // buildah-chroot-exec execs the command; its child is the operator.
        const node = descendants(child.pid).find((p) => /^\S*\bnode dist\/src\/main\.js/.test(p.args));
        if (node) process.kill(node.pid, 'SIGTERM');
        else process.kill(-child.pid, 'SIGKILL');
      }
      return exited;
    };
    const started = new Promise<void>((resolve, reject) => {
      const onData = (chunk: Buffer): void => {
        for (const line of chunk.toString('utf8').split('\n')) {
          if (line !== '') lines.push(line);
          if (line.includes('"msg":"Operator started"')) resolve();
        }
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      void exited.then((code) => {
        reject(new Error(`the operator in the image exited with ${String(code)}:\n${lines.slice(-20).join('\n')}`));
      });
    });
    await started;
    console.log(`[release] operator in the image started in ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);

    await createTargetAndWorkload(targetDeployment(ns, 'inspect', { replicas: 1, gpu: 1 }), factoryWorkload(ns, 'inspect', scenario.region, { target: 'inspect' }));
    const green = scenario.hubs.green ?? '';
    // The operator's doing, not the scheduler's luck: the FactoryWorkload says so, and the pods
    // land in the hub it chose.
    await eventually(`${ns}/inspect placed in ${green}`, async () => ((await getWorkload(ns, 'inspect')).status?.hub === green ? true : undefined), { timeoutMs: 90_000 });
    await waitForPlacement(ns, 'inspect', { [green]: 1 });
    // It led on the Lease that the chart's Role covers, in the release's namespace.
    const holder = await eventually('the Lease held', async () => {
      const h = await kubectlOk(['get', 'lease', 'westward-operator', '-n', namespace, '-o', 'jsonpath={.spec.holderIdentity}']);
      return h === '' ? undefined : h;
    });
    expect(holder).not.toBe('');
    // SIGTERM: a clean shutdown, lease released.
    expect(await stopOperator()).toBe(0);
    // Level names, as the logger writes them.
    const errors = lines.filter((l) => /"level":"(error|fatal)"/.test(l));
    expect(lines.some((l) => l.includes('"level":"info"'))).toBe(true);
    expect(errors, errors.join('\n')).toEqual([]);
    await kubectlOk(['delete', 'namespace', ns, '--wait=false']);
  });
});

describe('the chart, upgraded and removed', () => {
  it('upgrades with changed values after applying the new CRDs from the pulled chart', async () => {
    run(helmBinary(), ['pull', chartRef, '--version', chartVersion, ...plainHttp(), '--untar', '--untardir', path.join(work, 'pulled')]);
    await kubectlOk(['apply', '--server-side', '--force-conflicts', '-f', path.join(work, 'pulled/westward/crds/')]);
    const out = helm('upgrade', release, chartRef, '--version', chartVersion, ...plainHttp(), '--namespace', namespace, '--reuse-values',
      '--set', 'logLevel=debug', '--set', 'replicaCount=1', '--set', 'leaderElection.enabled=false');
    expect(out).toContain('REVISION: 2');
    const deploy = JSON.parse(await kubectlOk(['get', 'deploy', `${release}-westward`, '-n', namespace, '-o', 'json'])) as {
      spec: { replicas: number; template: { spec: { containers: { args: string[] }[] } } };
    };
    expect(deploy.spec.replicas).toBe(1);
    const args = deploy.spec.template.spec.containers[0]?.args ?? [];
    expect(args).toContain('--log-level=debug');
    expect(args).not.toContain('--leader-elect');
    // Leader election off: its Role and the PDB of a single replica are gone.
    await eventually('no leader-election Role', async () => {
      const objects = await instanceObjects();
      return objects.some((o) => o.includes('leader-election') || o.startsWith('poddisruptionbudget')) ? undefined : true;
    });
  });

  it('uninstalls and leaves nothing of the release behind but the CRDs and the Hubs they hold', async () => {
    helm('uninstall', release, '--namespace', namespace);
    const left = await eventually('nothing of the release left', async () => {
      const objects = await instanceObjects();
      return objects.length === 0 ? objects : undefined;
    });
    expect(left).toEqual([]);
    await kubectlOk(['get', 'crd', 'hubs.westward.io', 'factoryworkloads.westward.io']);
  });
});

// The chart rendered by a real helm (built with release ldflags by test/cluster/helm.sh): the
// image reference, the leader-election Role, the ServiceMonitor gate, the Kubernetes version
// check, and the packaged artefact.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { helm, helmBinary, render } from './helm.ts';
import { chartDir, readYaml, type KubeObject } from './repo.ts';

const chart = readYaml('charts/westward/Chart.yaml') as { version: string; appVersion: string };

beforeAll(() => {
  helmBinary();
}, 900_000);

function containerImage(objects: KubeObject[]): string | undefined {
  const deployment = objects.find((o) => o.kind === 'Deployment') as { spec: { template: { spec: { containers: { image: string }[] } } } } | undefined;
  return deployment?.spec.template.spec.containers[0]?.image;
}

const kinds = (objects: KubeObject[]): string[] => objects.map((o) => `${o.kind}/${o.metadata.name}`).sort();

describe('helm binary', () => {
  it('believes in a current Kubernetes without --kube-version, and the chart’s kubeVersion check is real', () => {
    expect(helm(['version', '--short']).stdout).toMatch(/^v3\.\d+\.\d+/);
    expect(() => render()).not.toThrow();
    const old = helm(['template', 'westward', chartDir, '--set', 'image.repository=r/w', '--kube-version', '1.30.0']);
    expect(old.code).not.toBe(0);
    expect(old.stderr).toContain('kubeVersion');
  });
});

describe('image reference', () => {
  it('has no default registry: without image.repository the chart refuses, saying what to set', () => {
    const r = helm(['template', 'westward', chartDir]);
    expect(r.code).not.toBe(0);
    // Helm's own hint about --debug follows on the next lines.
    expect(r.stderr.split('\n')[0]).toMatch(/deployment\.yaml.*image\.repository is required: .*--set image\.repository=/);
  });

  it.each([
    [{}, `registry.test/westward:${chart.appVersion}`],
    [{ 'image.tag': '0.2.0-rc.1' }, 'registry.test/westward:0.2.0-rc.1'],
    [{ 'image.digest': `sha256:${'ab'.repeat(32)}` }, `registry.test/westward@sha256:${'ab'.repeat(32)}`],
    [{ 'image.repository': '127.0.0.1:5000/w', 'image.tag': 'v1' }, '127.0.0.1:5000/w:v1'],
  ])('%j renders %s', (set, image) => {
    expect(containerImage(render(set))).toBe(image);
  });
});

describe('leader election', () => {
  it('renders the Lease Role and its binding with leader election on, and the flags that use them', () => {
    const objects = render();
    expect(kinds(objects)).toEqual(expect.arrayContaining(['Role/westward-leader-election', 'RoleBinding/westward-leader-election']));
    const role = objects.find((o) => o.kind === 'Role' && o.metadata.name === 'westward-leader-election') as unknown as {
      metadata: { namespace: string };
      rules: { resources: string[] }[];
    };
    expect(role.metadata.namespace).toBe('westward-system');
    expect(role.rules.flatMap((r) => r.resources)).toEqual(['leases']);
  });

  it('renders no Lease rights with leader election off (one replica)', () => {
    const objects = render({ 'leaderElection.enabled': false, replicaCount: 1 });
    expect(kinds(objects).filter((k) => k.includes('leader-election'))).toEqual([]);
    expect(JSON.stringify(objects)).not.toContain('leases');
    expect(JSON.stringify(objects)).not.toContain('--leader-elect');
    // The rest of the RBAC stays.
    expect(kinds(objects)).toContain('ClusterRole/westward-manager');
  });
});

describe('ServiceMonitor', () => {
  const monitors = (objects: KubeObject[]) => objects.filter((o) => o.kind === 'ServiceMonitor');
  const withCrd = ['--api-versions', 'monitoring.coreos.com/v1/ServiceMonitor'];

  it.each([
    ['disabled, CRD served', false, withCrd, 0],
    ['enabled, CRD not served', true, [], 0],
    ['enabled, CRD served', true, withCrd, 1],
  ] as const)('%s: %i rendered', (_what, enabled, flags, count) => {
    expect(monitors(render({ 'serviceMonitor.enabled': enabled }, flags))).toHaveLength(count);
  });
});

describe('the chart artefact', () => {
  let out = '';
  beforeAll(() => {
    out = mkdtempSync(path.join(tmpdir(), 'westward-chart-'));
  });
  afterAll(() => {
    rmSync(out, { recursive: true, force: true });
  });

  it('passes helm lint --strict', () => {
    const r = helm(['lint', '--strict', chartDir, '--set', 'image.repository=registry.test/westward']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
  });

  it('packages as westward-<version>.tgz with the CRDs, the schema and the appVersion', () => {
    const r = helm(['package', chartDir, '--destination', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(out)).toEqual([`westward-${chart.version}.tgz`]);
    const packaged = path.join(out, `westward-${chart.version}.tgz`);
    const shown = parse(helm(['show', 'chart', packaged]).stdout) as { appVersion: string };
    expect(shown.appVersion).toBe(chart.appVersion);
    const crds = helm(['show', 'crds', packaged]).stdout;
    expect(crds).toContain('name: hubs.westward.io');
    expect(crds).toContain('name: factoryworkloads.westward.io');
    // The schema travels with the artefact: a mistyped value is refused from the .tgz too.
    const bad = helm(['template', 'w', packaged, '--set', 'image.repository=r/w', '--set', 'logLevel=loud']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('logLevel');
  });
});

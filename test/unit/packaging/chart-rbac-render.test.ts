// The chart rendered by helm (`helm template`, offline) in each install mode, against the
// kustomize bases: the same rights, where they apply, and nothing more.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { helm as runHelm, helmBinary } from './helm.ts';
import { allows, chartDir, grants, kustomize, parseObjects, type KubeObject, type PolicyRule } from './repo.ts';

const helm = helmBinary();
const namespace = 'westward-system';

function render(...sets: string[]): KubeObject[] {
  const r = runHelm(['template', 'westward', chartDir, '--namespace', namespace, '--set', 'image.repository=registry.test/westward', ...sets]);
  if (r.code !== 0) throw new Error(`helm template failed: ${r.stderr.trim()}`);
  return parseObjects(r.stdout);
}

type Role = KubeObject & { rules: PolicyRule[] };
type Binding = KubeObject & { roleRef: { kind: string; name: string }; subjects: { kind: string; name: string; namespace: string }[] };
interface Container {
  args: string[];
}
const named = (objects: KubeObject[], kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name);
const ofKind = (objects: KubeObject[], kind: string) => objects.filter((o) => o.kind === kind);
const argsOf = (objects: KubeObject[]) =>
  ((ofKind(objects, 'Deployment')[0]?.spec as { template: { spec: { containers: Container[] } } }).template.spec.containers[0] as Container).args;
const rulesOf = (objects: KubeObject[]) => [...ofKind(objects, 'ClusterRole'), ...ofKind(objects, 'Role')].flatMap((r) => (r as Role).rules);
const serviceAccount = { kind: 'ServiceAccount', name: 'westward', namespace };

describe('helm template', () => {
  it('passes helm lint --strict', () => {
    const lint = spawnSync(helm, ['lint', '--strict', chartDir, '--set', 'image.repository=registry.test/westward'], { encoding: 'utf8' });
    expect(lint.stdout + lint.stderr).toContain('0 chart(s) failed');
  });

  describe('defaults (cluster-wide)', () => {
    const objects = render();
    const base = kustomize('config/default');

    it('grants the cluster-wide rules of config/default, and secrets only in a Role in the release namespace', () => {
      expect(grants((named(objects, 'ClusterRole', 'westward-manager') as Role).rules)).toEqual(grants((named(base, 'ClusterRole', 'westward-manager') as Role).rules));
      const credentials = named(objects, 'Role', 'westward-credentials') as Role;
      expect(credentials.metadata.namespace).toBe(namespace);
      expect(grants(credentials.rules)).toEqual(['/secrets:get']);
      expect(ofKind(objects, 'Role').filter((r) => allows((r as Role).rules, '', 'secrets', 'get')).map((r) => r.metadata.namespace)).toEqual([namespace]);
      expect((named(objects, 'RoleBinding', 'westward-credentials') as Binding).subjects).toEqual([serviceAccount]);
      expect(ofKind(objects, 'ClusterRole').some((r) => allows((r as Role).rules, '', 'secrets', 'get'))).toBe(false);
    });

    it('has no token or access review rights and no workload Roles', () => {
      expect(allows(rulesOf(objects), 'authentication.k8s.io', 'tokenreviews', 'create')).toBe(false);
      expect(named(objects, 'Role', 'westward-workloads')).toBeUndefined();
      expect(argsOf(objects).filter((a) => a.startsWith('--namespace') || a.startsWith('--credentials-namespace') || a === '--metrics-secure')).toEqual([]);
    });

    it('renders the NetworkPolicy of config/network-policy', () => {
      const chart = ofKind(objects, 'NetworkPolicy')[0]?.spec as Record<string, unknown>;
      const kustomized = ofKind(base, 'NetworkPolicy')[0]?.spec as Record<string, unknown>;
      for (const key of ['policyTypes', 'ingress', 'egress']) expect(chart[key], key).toEqual(kustomized[key]);
    });
  });

  describe('watchNamespaces (a namespace scope)', () => {
    const objects = render('--set', 'watchNamespaces={plant-a,plant-b}');
    const scoped = kustomize('config/namespaced');

    it('moves the rights on targets and pods into a Role in each watched namespace', () => {
      const cluster = named(objects, 'ClusterRole', 'westward-manager') as Role;
      expect(grants(cluster.rules)).toEqual(grants((named(scoped, 'ClusterRole', 'westward-manager') as Role).rules));
      for (const [group, resource] of [['apps', 'deployments'], ['apps', 'statefulsets'], ['', 'pods']] as const) expect(allows(cluster.rules, group, resource, 'list'), resource).toBe(false);
      const roles = ofKind(objects, 'Role').filter((r) => r.metadata.name === 'westward-workloads') as Role[];
      expect(roles.map((r) => r.metadata.namespace).sort()).toEqual(['plant-a', 'plant-b']);
      for (const role of roles) expect(grants(role.rules)).toEqual(grants((named(scoped, 'Role', 'westward-workloads') as Role).rules));
      const bindings = ofKind(objects, 'RoleBinding').filter((b) => b.metadata.name === 'westward-workloads') as Binding[];
      expect(bindings.map((b) => b.metadata.namespace).sort()).toEqual(['plant-a', 'plant-b']);
      for (const b of bindings) expect(b.subjects).toEqual([serviceAccount]);
      expect(ofKind(objects, 'Role').some((r) => r.metadata.namespace === 'kube-system')).toBe(false);
    });

    it('passes the namespaces to the operator', () => {
      expect(argsOf(objects).filter((a) => a.startsWith('--namespace='))).toEqual(['--namespace=plant-a', '--namespace=plant-b']);
    });
  });

  describe('credentialsNamespaces', () => {
    const objects = render('--set', 'credentialsNamespaces={westward-system,energy-credentials}');

    it('reads secrets only in the namespaces listed, and tells the operator so', () => {
      const roles = ofKind(objects, 'Role').filter((r) => allows((r as Role).rules, '', 'secrets', 'get'));
      expect(roles.map((r) => r.metadata.namespace).sort()).toEqual(['energy-credentials', 'westward-system']);
      expect(argsOf(objects).filter((a) => a.startsWith('--credentials-namespace='))).toEqual([
        '--credentials-namespace=westward-system',
        '--credentials-namespace=energy-credentials',
      ]);
    });
  });

  describe('metrics.secure', () => {
    const objects = render('--set', 'metrics.secure=true', '--set', 'metrics.port=8443', '--set', 'serviceMonitor.enabled=true', '--api-versions', 'monitoring.coreos.com/v1/ServiceMonitor');

    it('adds the review rights, a reader role and the flag; the ServiceMonitor scrapes over HTTPS with a token', () => {
      const auth = named(objects, 'ClusterRole', 'westward-metrics-auth') as Role;
      expect(grants(auth.rules)).toEqual(['authentication.k8s.io/tokenreviews:create', 'authorization.k8s.io/subjectaccessreviews:create']);
      expect((named(objects, 'ClusterRoleBinding', 'westward-metrics-auth') as Binding).subjects).toEqual([serviceAccount]);
      expect((named(objects, 'ClusterRole', 'westward-metrics-reader') as KubeObject & { rules: unknown[] }).rules).toEqual([{ nonResourceURLs: ['/metrics'], verbs: ['get'] }]);
      expect(argsOf(objects)).toEqual(expect.arrayContaining(['--metrics-secure', '--metrics-bind-address=:8443']));
      const endpoint = (ofKind(objects, 'ServiceMonitor')[0]?.spec as { endpoints: Record<string, unknown>[] }).endpoints[0];
      expect(endpoint).toMatchObject({ scheme: 'https', bearerTokenFile: '/var/run/secrets/kubernetes.io/serviceaccount/token', tlsConfig: { insecureSkipVerify: true } });
    });
  });

  describe('networkPolicy', () => {
    it('can be turned off', () => {
      expect(ofKind(render('--set', 'networkPolicy.enabled=false'), 'NetworkPolicy')).toEqual([]);
    });

    it('admits metrics from the peers given', () => {
      const objects = render('--set-json', 'networkPolicy.metricsFrom=[{"namespaceSelector":{"matchLabels":{"team":"observability"}}}]');
      const ingress = (ofKind(objects, 'NetworkPolicy')[0]?.spec as { ingress: { from?: unknown[] }[] }).ingress;
      expect(ingress[0]?.from).toEqual([{ namespaceSelector: { matchLabels: { team: 'observability' } } }]);
    });
  });
});

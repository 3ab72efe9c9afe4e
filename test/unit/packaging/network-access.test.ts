// Who reaches the operator and whom it reaches: the NetworkPolicy of config/ and of the chart,
// and /metrics behind authentication (config/metrics-auth, chart metrics.secure), rendered.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { allows, chartDir, grants, kustomize, kustomizeOverlay, readYaml, repoRoot, type KubeObject, type PolicyRule } from './repo.ts';

interface Port {
  port: string | number;
  protocol: string;
}
interface PolicySpec {
  podSelector: { matchLabels: Record<string, string> };
  policyTypes: string[];
  ingress: { from?: unknown[]; ports: Port[] }[];
  egress: { to?: unknown[]; ports: Port[] }[];
}
interface Container {
  args: string[];
  ports: { name: string; containerPort: number }[];
}
interface DeploymentSpec {
  template: { metadata: { labels: Record<string, string> }; spec: { containers: Container[] } };
}
type Role = KubeObject & { rules: (PolicyRule & { nonResourceURLs?: string[] })[] };

const all = kustomize('config/default');
const secure = kustomizeOverlay(['config/default'], ['config/metrics-auth']);
const find = (objects: KubeObject[], kind: string, name?: string): KubeObject | undefined =>
  objects.find((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
const deploymentOf = (objects: KubeObject[]) => (find(objects, 'Deployment')?.spec as DeploymentSpec).template;
const values = readYaml('charts/westward/values.yaml') as {
  networkPolicy: { metricsFrom: unknown[]; apiServerPorts: number[]; providerPorts: number[] };
  metrics: { secure: boolean };
};
const template = (name: string) => readFileSync(path.join(chartDir, 'templates', name), 'utf8');

describe('config/network-policy in config/default', () => {
  const policy = find(all, 'NetworkPolicy')?.spec as PolicySpec;
  const pod = deploymentOf(all);
  const portNames = (pod.spec.containers[0]?.ports ?? []).map((p) => p.name);

  it('selects exactly the operator pods and restricts both directions', () => {
    expect(find(all, 'NetworkPolicy')?.metadata.namespace).toBe('westward-system');
    expect(Object.entries(policy.podSelector.matchLabels).every(([k, v]) => pod.metadata.labels[k] === v)).toBe(true);
    expect(policy.policyTypes.sort()).toEqual(['Egress', 'Ingress']);
  });

  it('admits /metrics only from the monitoring namespace, and the health port for probes', () => {
    expect(policy.ingress).toHaveLength(2);
    const metrics = policy.ingress.find((r) => r.ports.some((p) => p.port === 'metrics'));
    expect(metrics?.from).toEqual([{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }]);
    expect(metrics?.ports).toEqual([{ port: 'metrics', protocol: 'TCP' }]);
    const health = policy.ingress.find((r) => r !== metrics);
    expect(health?.ports).toEqual([{ port: 'health', protocol: 'TCP' }]);
    for (const rule of policy.ingress) for (const p of rule.ports) expect(portNames).toContain(p.port);
  });

  it('lets out DNS, the API server and the providers, and nothing else', () => {
    const out = policy.egress.flatMap((r) => r.ports.map((p) => `${p.protocol}/${String(p.port)}`)).sort();
    expect(out).toEqual(['TCP/443', 'TCP/53', 'TCP/6443', 'TCP/80', 'UDP/53'].sort());
  });
});

describe('chart NetworkPolicy', () => {
  const text = template('networkpolicy.yaml');
  const kustomized = find(all, 'NetworkPolicy')?.spec as PolicySpec;

  it('is on by default, with the same peers and ports as config/network-policy', () => {
    expect((readYaml('charts/westward/values.yaml') as { networkPolicy: { enabled: boolean } }).networkPolicy.enabled).toBe(true);
    expect(values.networkPolicy.metricsFrom).toEqual(kustomized.ingress.find((r) => r.from !== undefined)?.from);
    const tcp = kustomized.egress.flatMap((r) => r.ports.filter((p) => p.protocol === 'TCP' && p.port !== 53).map((p) => p.port));
    expect([...new Set([...values.networkPolicy.apiServerPorts, ...values.networkPolicy.providerPorts])].sort()).toEqual(tcp.sort());
  });

  it('renders those values in the same rule shapes', () => {
    expect(text).toContain('{{- if .Values.networkPolicy.enabled }}');
    expect(text).toContain('toYaml .Values.networkPolicy.metricsFrom');
    expect(text).toContain('concat .Values.networkPolicy.apiServerPorts .Values.networkPolicy.providerPorts | uniq');
    expect(text).toMatch(/- port: metrics\s+protocol: TCP/);
    expect(text).toMatch(/- port: health\s+protocol: TCP/);
    expect(text).toMatch(/- port: 53\s+protocol: UDP\s+- port: 53\s+protocol: TCP/);
    expect(text).toContain('include "westward.selectorLabels"');
  });
});

describe('config/metrics-auth', () => {
  const role = (objects: KubeObject[], name: string) => find(objects, 'ClusterRole', name) as Role | undefined;
  const everyRule = (objects: KubeObject[]) => objects.filter((o) => o.kind === 'ClusterRole' || o.kind === 'Role').flatMap((o) => (o as Role).rules);

  it('grants token and access reviews only when added', () => {
    expect(allows(everyRule(all), 'authentication.k8s.io', 'tokenreviews', 'create')).toBe(false);
    expect(allows(everyRule(all), 'authorization.k8s.io', 'subjectaccessreviews', 'create')).toBe(false);
    const auth = role(secure, 'westward-metrics-auth');
    expect(grants(auth?.rules ?? [])).toEqual(['authentication.k8s.io/tokenreviews:create', 'authorization.k8s.io/subjectaccessreviews:create']);
    const binding = find(secure, 'ClusterRoleBinding', 'westward-metrics-auth') as KubeObject & { subjects: unknown[]; roleRef: { name: string } };
    expect(binding.roleRef.name).toBe('westward-metrics-auth');
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'westward', namespace: 'westward-system' }]);
  });

  it('ships a reader role for /metrics and nothing else', () => {
    expect(role(secure, 'westward-metrics-reader')?.rules).toEqual([{ nonResourceURLs: ['/metrics'], verbs: ['get'] }]);
  });

  it('serves HTTPS with authentication on 8443, Service and policy following', () => {
    const container = deploymentOf(secure).spec.containers[0];
    expect(container?.args).toContain('--metrics-secure');
    expect(container?.args).toContain('--metrics-bind-address=:8443');
    expect(container?.args).not.toContain('--metrics-bind-address=:8080');
    expect(container?.ports.find((p) => p.name === 'metrics')?.containerPort).toBe(8443);
    const service = find(secure, 'Service')?.spec as { ports: { port: number; targetPort: string }[] };
    expect(service.ports).toEqual([expect.objectContaining({ port: 8443, targetPort: 'metrics' })]);
    const policy = find(secure, 'NetworkPolicy')?.spec as PolicySpec;
    expect(policy.ingress.some((r) => r.ports.some((p) => p.port === 'metrics'))).toBe(true);
  });

  it('passes arguments that the operator command line accepts', () => {
    const args = (deploymentOf(secure).spec.containers[0]?.args ?? []).map((a) => a.replace('$(POD_NAMESPACE)', 'westward-system'));
    const missing = path.join(tmpdir(), `westward-no-such-kubeconfig-${process.pid}`);
    const run = spawnSync(process.execPath, ['src/main.ts', ...args, `--kubeconfig=${missing}`], { cwd: repoRoot, encoding: 'utf8', timeout: 60_000 });
    expect(run.stderr).not.toMatch(/error: (unknown option|option|missing)/);
    expect(run.stderr).toContain(missing);
  }, 120_000);
});

describe('chart metrics.secure', () => {
  const auth = readYaml('charts/westward/files/rbac/metrics-auth-rules.yaml') as PolicyRule[];
  const reader = readYaml('charts/westward/files/rbac/metrics-reader-rules.yaml') as unknown[];

  it('is off by default', () => {
    expect(values.metrics.secure).toBe(false);
  });

  it('grants what config/metrics-auth grants, from the shared rule files, only when on', () => {
    expect(grants(auth)).toEqual(grants((readYaml('config/metrics-auth/auth_role.yaml') as Role).rules));
    expect(reader).toEqual((readYaml('config/metrics-auth/reader_role.yaml') as Role).rules);
    const text = template('metrics-auth-role.yaml');
    expect(text).toMatch(/^\{\{- \/\*.*\*\/\}\}\n\{\{- if and \.Values\.metrics\.secure \.Values\.rbac\.create \}\}/);
    expect(text).toContain('.Files.Get "files/rbac/metrics-auth-rules.yaml"');
    expect(text).toContain('.Files.Get "files/rbac/metrics-reader-rules.yaml"');
  });

  it('passes --metrics-secure and scrapes over HTTPS with a token when on', () => {
    expect(template('deployment.yaml')).toMatch(/\{\{- if \.Values\.metrics\.secure \}\}\s*- "--metrics-secure"\s*\{\{- end \}\}/);
    expect(template('servicemonitor.yaml')).toMatch(
      /\{\{- if \.Values\.metrics\.secure \}\}[\s\S]*scheme: https\s+bearerTokenFile: \/var\/run\/secrets\/kubernetes\.io\/serviceaccount\/token[\s\S]*\{\{- end \}\}/,
    );
  });
});

// Static checks of the Helm chart that need no helm binary: Chart.yaml, values against the
// templates and the schema, template syntax that a careless edit breaks, and RBAC rules that
// must match config/rbac.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { allows, chartDir, grants, readText, readYaml, repoRoot, type PolicyRule } from './repo.ts';

type Values = Record<string, unknown>;

const chart = readYaml('charts/westward/Chart.yaml') as Record<string, unknown>;
const values = readYaml('charts/westward/values.yaml') as Values;
const schema = JSON.parse(readText('charts/westward/values.schema.json')) as Record<string, unknown>;
const templateDir = path.join(chartDir, 'templates');
const templates = readdirSync(templateDir)
  .sort()
  .map((name) => ({ name, text: readFileSync(path.join(templateDir, name), 'utf8') }));

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Every `.Values.a.b` path the templates read, as ['a', 'b']. */
function valueReferences(text: string): string[][] {
  return [...text.matchAll(/\.Values((?:\.[A-Za-z_][A-Za-z0-9_]*)+)/g)].map((m) => (m[1] ?? '').slice(1).split('.'));
}

function hasPath(root: unknown, keys: readonly string[]): boolean {
  let node = root;
  for (const key of keys) {
    if (!isObject(node) || !(key in node)) return false;
    node = node[key];
  }
  return true;
}

/** Paths to the leaves of values.yaml; empty maps, lists and scalars are leaves. */
function leaves(node: unknown, at: string[] = []): string[][] {
  if (!isObject(node) || Object.keys(node).length === 0) return [at];
  return Object.entries(node).flatMap(([k, v]) => leaves(v, [...at, k]));
}

const references = templates.flatMap((t) => valueReferences(t.text).map((p) => ({ template: t.name, path: p })));

function validator() {
  const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
  return ajv.compile(schema);
}

function withValue(keys: readonly string[], value: unknown): Values {
  const copy = structuredClone(values);
  let node: Values = copy;
  for (const key of keys.slice(0, -1)) node = node[key] as Values;
  node[keys.at(-1) ?? ''] = value;
  return copy;
}

describe('Chart.yaml', () => {
  it('is a v2 application chart whose appVersion is the operator version in package.json', () => {
    const pkg = JSON.parse(readText('package.json')) as { version: string };
    expect(chart.apiVersion).toBe('v2');
    expect(chart.name).toBe('westward');
    expect(chart.type).toBe('application');
    expect(chart.appVersion).toBe('0.1.0');
    expect(chart.appVersion).toBe(pkg.version);
    expect(chart.version).toMatch(/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/);
    expect(typeof chart.description).toBe('string');
  });
});

describe('values.yaml against the templates', () => {
  it('finds the value references it is looking for', () => {
    // Guards the regex itself: a broken pattern would make the next test pass vacuously.
    const seen = new Set(references.map((r) => r.path.join('.')));
    expect(seen).toContain('replicaCount');
    expect(seen).toContain('serviceMonitor.enabled');
    expect(seen).toContain('moves.maxConcurrentPerHub');
  });

  it('has every value a template reads', () => {
    const missing = references.filter((r) => !hasPath(values, r.path)).map((r) => `${r.template}: .Values.${r.path.join('.')}`);
    expect(missing).toEqual([]);
  });

  it('has no value that no template reads', () => {
    const used = references.map((r) => r.path.join('.'));
    const unused = leaves(values)
      .map((p) => p.join('.'))
      .filter((leaf) => !used.some((u) => leaf === u || leaf.startsWith(`${u}.`) || u.startsWith(`${leaf}.`)));
    expect(unused).toEqual([]);
  });

  it('gives the operator the defaults its flags document', () => {
    expect(values.replicaCount).toBe(2);
    expect(values.leaderElection).toEqual({ enabled: true });
    expect(values.moves).toEqual({ maxConcurrent: 2, maxConcurrentPerHub: 1 });
    expect((values.metrics as Values).port).toBe(8080);
    expect((values.healthProbe as Values).port).toBe(8081);
    expect((values.serviceMonitor as Values).enabled).toBe(false);
  });
});

describe('values.schema.json', () => {
  it('accepts the default values', () => {
    const validate = validator();
    expect(validate(values), JSON.stringify(validate.errors)).toBe(true);
  });

  it('describes exactly the top-level values of values.yaml (plus Helm’s global)', () => {
    const described = Object.keys(schema.properties as Values).filter((k) => k !== 'global').sort();
    expect(described).toEqual(Object.keys(values).sort());
  });

  it.each([
    [['logLevel'], 'loud'],
    [['moves', 'maxConcurrent'], 0],
    [['moves', 'maxConcurrentPerHub'], 1.5],
    [['replicaCount'], '2'],
    [['watchNamespaces'], ['Not_A_Namespace']],
    [['credentialsNamespaces'], ['westward-system', 'westward-system']],
    [['credentialsNamespaces'], 'westward-system'],
    [['networkPolicy', 'metricsFrom'], []],
    [['networkPolicy', 'apiServerPorts'], [70000]],
    [['networkPolicy', 'enabled'], 'on'],
    [['metrics', 'secure'], 'yes'],
    [['image', 'pullPolicy'], 'Sometimes'],
    [['metrics', 'port'], 70000],
    [['serviceMonitor', 'interval'], 'thirty seconds'],
    [['extraArgs'], ['leader-elect']],
    [['leaderElection', 'enabled'], 'yes'],
    [['unknownTopLevel'], true],
    [['moves', 'maxConcurrentMoves'], 3],
  ])('rejects %j = %j', (keys, value) => {
    expect(validator()(withValue(keys, value))).toBe(false);
  });

  it('accepts a narrowed, scoped configuration', () => {
    const v = withValue(['watchNamespaces'], ['foshan-plant', 'ningbo-plant']);
    v.credentialsNamespaces = ['westward-system', 'energy-credentials'];
    (v.serviceMonitor as Values).labels = { release: 'kube-prometheus-stack' };
    const validate = validator();
    expect(validate(v), JSON.stringify(validate.errors)).toBe(true);
  });
});

describe('templates', () => {
  const defined = new Set(
    [...(templates.find((t) => t.name === '_helpers.tpl')?.text ?? '').matchAll(/define "([^"]+)"/g)].map((m) => m[1]),
  );

  it('include only named templates that _helpers.tpl defines', () => {
    expect(defined.size).toBeGreaterThan(0);
    const included = templates.flatMap((t) => [...t.text.matchAll(/include "([^"]+)"/g)].map((m) => m[1] ?? ''));
    expect(included.length).toBeGreaterThan(0);
    expect(included.filter((name) => !defined.has(name))).toEqual([]);
  });

  it('read only chart files that exist', () => {
    const files = templates.flatMap((t) => [...t.text.matchAll(/\.Files\.Get "([^"]+)"/g)].map((m) => m[1] ?? ''));
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) expect(existsSync(path.join(chartDir, f)), f).toBe(true);
  });

  it.each(templates.map((t) => [t.name, t.text]))('%s has balanced actions and blocks', (_name, text) => {
    expect(text.split('{{').length).toBe(text.split('}}').length);
    const opens = text.match(/\{\{-?\s*(if|range|with|define)\b/g)?.length ?? 0;
    const ends = text.match(/\{\{-?\s*end\s*-?\}\}/g)?.length ?? 0;
    expect(ends).toBe(opens);
  });

  it('run the operator restricted, with health probes and the downward-API namespace', () => {
    // The Deployment template without its template actions is still YAML: check its fixed parts.
    const text = templates.find((t) => t.name === 'deployment.yaml')?.text ?? '';
    const skeleton = parse(text.split('\n').filter((line) => !line.includes('{{')).join('\n')) as {
      spec: { template: { spec: { securityContext: Values; containers: Values[] } } };
    };
    const pod = skeleton.spec.template.spec;
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 65532, seccompProfile: { type: 'RuntimeDefault' } });
    const container = pod.containers[0] ?? {};
    expect(container.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(container.livenessProbe).toMatchObject({ httpGet: { path: '/healthz', port: 'health' } });
    expect(container.readinessProbe).toMatchObject({ httpGet: { path: '/readyz', port: 'health' } });
    expect(container.env).toContainEqual({
      name: 'POD_NAMESPACE',
      valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } },
    });
    expect(text).toContain('--health-probe-bind-address=:%d" (int .Values.healthProbe.port)');
    expect(text).toContain('containerPort: {{ .Values.healthProbe.port }}');
  });
});

describe('chart Deployment', () => {
  it('passes the operator the same flags as config/manager', () => {
    const flagNames = (text: string) => new Set([...text.matchAll(/"(--[a-z][a-z-]*)[="]/g), ...text.matchAll(/^\s*- (--[a-z][a-z-]*)/gm)].map((m) => m[1]));
    const chartFlags = flagNames(templates.find((t) => t.name === 'deployment.yaml')?.text ?? '');
    const kustomizeFlags = flagNames(readText('config/manager/manager.yaml'));
    expect(kustomizeFlags.size).toBeGreaterThanOrEqual(7);
    // --namespace and --credentials-namespace come from watchNamespaces and credentialsNamespaces,
    // empty by default and so absent from config/manager (the operator's defaults apply);
    // --metrics-secure is config/metrics-auth's, off by default.
    expect([...chartFlags].sort()).toEqual([...kustomizeFlags, '--namespace', '--credentials-namespace', '--metrics-secure'].sort());
  });
});

describe('chart RBAC', () => {
  const kustomizeRole = parse(readFileSync(path.join(repoRoot, 'config/rbac/role.yaml'), 'utf8')) as { rules: PolicyRule[] };
  const kustomizeLeases = parse(readFileSync(path.join(repoRoot, 'config/rbac/leader_election_role.yaml'), 'utf8')) as {
    rules: PolicyRule[];
  };
  const managerRules = readYaml('charts/westward/files/rbac/manager-rules.yaml') as PolicyRule[];
  const leaseRules = readYaml('charts/westward/files/rbac/leader-election-rules.yaml') as PolicyRule[];
  const credentialsRules = readYaml('charts/westward/files/rbac/credentials-rules.yaml') as PolicyRule[];
  const kustomizeCredentials = parse(readFileSync(path.join(repoRoot, 'config/rbac/credentials_role.yaml'), 'utf8')) as { rules: PolicyRule[] };

  const workloadRules = readYaml('charts/westward/files/rbac/workload-rules.yaml') as PolicyRule[];
  const kustomizeWorkloads = parse(readFileSync(path.join(repoRoot, 'config/namespaced/workload_role.yaml'), 'utf8')) as { rules: PolicyRule[] };

  it('grants what config/rbac grants, rule file by rule file', () => {
    expect(grants([...managerRules, ...workloadRules])).toEqual(grants(kustomizeRole.rules));
    expect(grants(workloadRules)).toEqual(grants(kustomizeWorkloads.rules));
    expect(grants(workloadRules)).toEqual(grants(kustomizeRole.rules.slice(-3)));
    expect(grants(leaseRules)).toEqual(grants(kustomizeLeases.rules));
    expect(grants(credentialsRules)).toEqual(grants(kustomizeCredentials.rules));
  });

  it('keeps targets and pods out of the cluster-wide rules unless no namespace scope is set', () => {
    for (const [group, resource] of [['apps', 'deployments'], ['apps', 'statefulsets'], ['', 'pods']] as const) {
      expect(allows(managerRules, group, resource, 'get'), resource).toBe(false);
      expect(allows(workloadRules, group, resource, 'list'), resource).toBe(true);
    }
    const cluster = templates.find((t) => t.name === 'clusterrole.yaml')?.text ?? '';
    expect(cluster).toMatch(/\{\{- if not \.Values\.watchNamespaces \}\}\s*\{\{- \.Files\.Get "files\/rbac\/workload-rules\.yaml" \| trim \| nindent 2 \}\}\s*\{\{- end \}\}/);
    const roles = templates.find((t) => t.name === 'workload-role.yaml')?.text ?? '';
    expect(roles).toContain('range .Values.watchNamespaces');
    expect(roles).toMatch(/kind: Role\n/);
    expect(roles).not.toContain('ClusterRole');
    expect(roles).toContain('$.Files.Get "files/rbac/workload-rules.yaml"');
    expect(roles).toMatch(/kind: RoleBinding[\s\S]*namespace: \{\{ \. \}\}[\s\S]*name: \{\{ include "westward.serviceAccountName" \$ \}\}\s*namespace: \{\{ \$\.Release\.Namespace \}\}/);
  });

  it('reads secrets only through the credentials rules, and only get', () => {
    expect(allows(managerRules, '', 'secrets', 'get')).toBe(false);
    expect(allows(leaseRules, '', 'secrets', 'get')).toBe(false);
    expect(grants(credentialsRules)).toEqual(['/secrets:get']);
  });

  it('binds the credentials rules in a Role per credentials namespace, the release namespace by default', () => {
    const cluster = templates.find((t) => t.name === 'clusterrole.yaml')?.text ?? '';
    expect(cluster).not.toContain('secrets');
    expect(cluster).not.toContain('credentials-rules');
    const roles = templates.find((t) => t.name === 'credentials-role.yaml')?.text ?? '';
    expect(roles).toMatch(/kind: Role\n/);
    expect(roles).not.toContain('ClusterRole');
    expect(roles).toContain('range (include "westward.credentialsNamespaces" . | fromJsonArray)');
    expect(roles).toContain('.Files.Get "files/rbac/credentials-rules.yaml"');
    const helpers = templates.find((t) => t.name === '_helpers.tpl')?.text ?? '';
    expect(helpers).toContain('default (list .Release.Namespace) .Values.credentialsNamespaces | toJson');
    const deployment = templates.find((t) => t.name === 'deployment.yaml')?.text ?? '';
    expect(deployment).toMatch(/range \.Values\.credentialsNamespaces \}\}\s*- \{\{ printf "--credentials-namespace=%s" \. \| quote \}\}/);
  });
});

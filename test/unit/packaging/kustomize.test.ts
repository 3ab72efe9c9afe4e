// The kustomize bases, built by the kustomize inside kubectl (offline), and the operator's RBAC
// checked against the permissions the operator's controllers need, and nothing more.
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { allows, kustomize, readText, repoRoot, type KubeObject, type PolicyRule } from './repo.ts';

function only(objects: KubeObject[], kind: string): KubeObject {
  const found = objects.filter((o) => o.kind === kind);
  expect(found.map((o) => o.metadata.name), `exactly one ${kind}`).toHaveLength(1);
  return found[0] as KubeObject;
}

interface Container {
  name: string;
  image: string;
  args: string[];
  env: { name: string; valueFrom?: { fieldRef?: { fieldPath: string } } }[];
  ports: { name: string; containerPort: number }[];
  livenessProbe: { httpGet: { path: string; port: string | number } };
  readinessProbe: { httpGet: { path: string; port: string | number } };
  securityContext: Record<string, unknown>;
  resources: { requests?: Record<string, string>; limits?: Record<string, string> };
}
interface DeploymentSpec {
  replicas: number;
  selector: { matchLabels: Record<string, string> };
  template: {
    metadata: { labels: Record<string, string> };
    spec: { serviceAccountName: string; securityContext: Record<string, unknown>; containers: Container[] };
  };
}
interface Subject {
  kind: string;
  name: string;
  namespace: string;
}

const all = kustomize('config/default');
const rbac = kustomize('config/rbac');
const namespace = 'westward-system';

describe('config/default', () => {
  it('yields the CRDs, the namespace, the RBAC, the metrics Service and the Deployment', () => {
    const kinds = all.map((o) => o.kind).sort();
    expect(kinds).toEqual(
      [
        'ClusterRole',
        'ClusterRoleBinding',
        'CustomResourceDefinition',
        'CustomResourceDefinition',
        'Deployment',
        'Namespace',
        'NetworkPolicy',
        'PodDisruptionBudget',
        'Role',
        'Role',
        'RoleBinding',
        'RoleBinding',
        'Service',
        'ServiceAccount',
      ].sort(),
    );
    const crds = all.filter((o) => o.kind === 'CustomResourceDefinition').map((o) => o.metadata.name).sort();
    expect(crds).toEqual(['factoryworkloads.westward.io', 'hubs.westward.io']);
  });

  it('puts every namespaced object in westward-system', () => {
    const clusterScoped = new Set(['Namespace', 'CustomResourceDefinition', 'ClusterRole', 'ClusterRoleBinding']);
    expect(only(all, 'Namespace').metadata.name).toBe(namespace);
    for (const o of all.filter((x) => !clusterScoped.has(x.kind))) expect(o.metadata.namespace, `${o.kind}/${o.metadata.name}`).toBe(namespace);
  });

  it('binds both roles to the service account the Deployment runs as', () => {
    const sa = only(all, 'ServiceAccount').metadata.name;
    const deployment = only(all, 'Deployment').spec as DeploymentSpec;
    expect(deployment.template.spec.serviceAccountName).toBe(sa);
    const roles = [only(all, 'ClusterRole'), ...all.filter((o) => o.kind === 'Role')];
    const bindings = all.filter((o) => o.kind === 'ClusterRoleBinding' || o.kind === 'RoleBinding') as (KubeObject & {
      roleRef: { kind: string; name: string };
      subjects: Subject[];
    })[];
    expect(bindings).toHaveLength(roles.length);
    for (const role of roles) {
      const binding = bindings.find((b) => b.roleRef.kind === role.kind && b.roleRef.name === role.metadata.name);
      expect(binding, `a binding of ${role.kind}/${role.metadata.name}`).toBeDefined();
      expect(binding?.subjects).toEqual([{ kind: 'ServiceAccount', name: sa, namespace }]);
      if (role.kind === 'Role') expect(binding?.metadata.namespace).toBe(role.metadata.namespace);
    }
  });

  it('runs two replicas under leader election, restricted, with probes and the pod namespace', () => {
    const deployment = only(all, 'Deployment').spec as DeploymentSpec;
    expect(deployment.replicas).toBe(2);
    expect(deployment.selector.matchLabels).toEqual(
      Object.fromEntries(Object.entries(deployment.template.metadata.labels).filter(([k]) => k in deployment.selector.matchLabels)),
    );
    const pod = deployment.template.spec;
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 65532, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod.containers).toHaveLength(1);
    const c = pod.containers[0] as Container;
    // No registry by default: a name that can never resolve, never a Docker Hub short name.
    expect(c.image).toBe('registry.invalid/set-your-registry/westward:0.1.0');
    expect(c.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(c.args).toEqual(
      expect.arrayContaining([
        '--metrics-bind-address=:8080',
        '--health-probe-bind-address=:8081',
        '--leader-elect',
        '--leader-election-namespace=$(POD_NAMESPACE)',
        '--max-concurrent-moves=2',
        '--max-concurrent-moves-per-hub=1',
      ]),
    );
    expect(c.env).toContainEqual({ name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } });
    const port = (name: string | number) => c.ports.find((p) => p.name === name)?.containerPort;
    expect(port(c.livenessProbe.httpGet.port)).toBe(8081);
    expect(c.livenessProbe.httpGet.path).toBe('/healthz');
    expect(port(c.readinessProbe.httpGet.port)).toBe(8081);
    expect(c.readinessProbe.httpGet.path).toBe('/readyz');
    expect(port('metrics')).toBe(8080);
    expect(c.resources.requests).toBeDefined();
    expect(c.resources.limits?.memory).toBeDefined();
  });

  it('passes arguments that the operator command line accepts', () => {
    // Run src/main.ts with the Deployment's args and a kubeconfig that does not exist: a flag the
    // CLI rejects stops it in parsing; accepted flags get it as far as reading the kubeconfig.
    const container = (only(all, 'Deployment').spec as DeploymentSpec).template.spec.containers[0] as Container;
    const args = container.args.map((a) => a.replace('$(POD_NAMESPACE)', namespace));
    const missing = path.join(tmpdir(), `westward-no-such-kubeconfig-${process.pid}`);
    const run = (extra: string[]) =>
      spawnSync(process.execPath, ['src/main.ts', ...extra, `--kubeconfig=${missing}`], {
        cwd: repoRoot,
        encoding: 'utf8',
        timeout: 60_000,
      });
    const accepted = run(args);
    expect(accepted.stderr).not.toMatch(/error: (unknown option|option|missing)/);
    expect(accepted.stderr).toContain(missing);
    // The same check catches a flag written the way the CLI does not take it.
    const rejected = run([...args, '--leader-elect=true']);
    expect(rejected.stderr).toMatch(/error: unknown option '--leader-elect=true'/);
  }, 180_000);

  it('keeps one of the two operator pods through voluntary disruptions', () => {
    const deployment = only(all, 'Deployment').spec as DeploymentSpec;
    const pdb = only(all, 'PodDisruptionBudget').spec as { maxUnavailable: number; selector: { matchLabels: Record<string, string> } };
    expect(pdb.selector.matchLabels).toEqual(deployment.selector.matchLabels);
    expect(deployment.replicas - pdb.maxUnavailable).toBeGreaterThanOrEqual(1);
  });

  it('exposes the metrics port of exactly the operator pods through the Service', () => {
    const deployment = only(all, 'Deployment').spec as DeploymentSpec;
    const service = only(all, 'Service').spec as { selector: Record<string, string>; ports: { name: string; targetPort: string }[] };
    expect(service.selector).toEqual(deployment.selector.matchLabels);
    const container = deployment.template.spec.containers[0] as Container;
    for (const p of service.ports) expect(container.ports.map((cp) => cp.name)).toContain(p.targetPort);
  });
});

describe('config/prometheus', () => {
  it('yields a ServiceMonitor that selects the metrics Service by its port name', () => {
    const objects = kustomize('config/prometheus');
    const monitor = only(objects, 'ServiceMonitor').spec as {
      selector: { matchLabels: Record<string, string> };
      endpoints: { port: string; path: string }[];
    };
    const service = only(all, 'Service');
    expect(service.metadata.labels).toMatchObject(monitor.selector.matchLabels);
    expect(monitor.endpoints).toContainEqual(expect.objectContaining({ port: 'metrics', path: '/metrics' }));
  });

  it('has a plain Prometheus scrape job that keeps the metrics Service', () => {
    const config = parse(readText('config/prometheus/scrape-config.example.yaml')) as {
      scrape_configs: { job_name: string; metrics_path: string; relabel_configs: { action?: string; regex?: string }[] }[];
    };
    const job = config.scrape_configs[0];
    expect(job?.metrics_path).toBe('/metrics');
    expect(job?.relabel_configs).toContainEqual(expect.objectContaining({ action: 'keep', regex: only(all, 'Service').metadata.name }));
  });
});

describe('config/rbac', () => {
  const clusterRules = (only(rbac, 'ClusterRole') as KubeObject & { rules: PolicyRule[] }).rules;
  const role = (name: string) => rbac.find((o) => o.kind === 'Role' && o.metadata.name === name) as KubeObject & { rules: PolicyRule[] };
  const leaseRules = role('westward-leader-election').rules;
  const credentialsRules = role('westward-credentials').rules;

  // What the operator needs, from its design: [group, resource, verbs].
  const needed: [string, string, string[]][] = [
    ['westward.io', 'hubs', ['get', 'list', 'watch']],
    ['westward.io', 'factoryworkloads', ['get', 'list', 'watch', 'patch', 'update']],
    ['westward.io', 'hubs/status', ['get', 'patch', 'update']],
    ['westward.io', 'factoryworkloads/status', ['get', 'patch', 'update']],
    ['westward.io', 'factoryworkloads/finalizers', ['update']],
    ['apps', 'deployments', ['get', 'list', 'watch', 'patch']],
    ['apps', 'statefulsets', ['get', 'list', 'watch', 'patch']],
    ['', 'nodes', ['get', 'list', 'watch']],
    ['', 'pods', ['get', 'list', 'watch']],
    ['', 'pods/eviction', ['create']],
    ['events.k8s.io', 'events', ['create', 'patch']],
    ['', 'events', ['create', 'patch']],
  ];
  const forbidden: [string, string, string][] = [
    ['apps', 'deployments', 'create'],
    ['apps', 'deployments', 'delete'],
    ['apps', 'deployments', 'update'],
    ['apps', 'statefulsets', 'delete'],
    ['', 'secrets', 'get'],
    ['', 'secrets', 'list'],
    ['', 'secrets', 'watch'],
    ['', 'secrets', 'update'],
    ['', 'pods', 'delete'],
    ['', 'nodes', 'patch'],
    ['westward.io', 'hubs', 'delete'],
    ['westward.io', 'hubs', 'update'],
    ['westward.io', 'factoryworkloads', 'create'],
    ['coordination.k8s.io', 'leases', 'get'],
    ['', 'configmaps', 'get'],
  ];

  it.each(needed)('grants %s %s: %j', (group, resource, verbs) => {
    for (const verb of verbs) expect(allows(clusterRules, group, resource, verb), verb).toBe(true);
  });

  it.each(forbidden)('does not grant %s %s %s cluster-wide', (group, resource, verb) => {
    expect(allows(clusterRules, group, resource, verb)).toBe(false);
  });

  it('reads secrets only in its own namespace, by name', () => {
    expect(role('westward-credentials').metadata.namespace).toBe(namespace);
    expect(credentialsRules).toEqual([{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }]);
    for (const verb of ['list', 'watch', 'update', 'create', 'delete']) expect(allows(credentialsRules, '', 'secrets', verb), verb).toBe(false);
  });

  it('uses no wildcards', () => {
    for (const r of [...clusterRules, ...leaseRules, ...credentialsRules]) for (const v of [...r.apiGroups, ...r.resources, ...r.verbs]) expect(v).not.toBe('*');
  });

  it('gives leases only in its own namespace, and never delete', () => {
    for (const verb of ['get', 'list', 'watch', 'create', 'update', 'patch']) expect(allows(leaseRules, 'coordination.k8s.io', 'leases', verb), verb).toBe(true);
    expect(allows(leaseRules, 'coordination.k8s.io', 'leases', 'delete')).toBe(false);
    expect(role('westward-leader-election').metadata.namespace).toBe(namespace);
  });
});

describe('config/namespaced', () => {
  const scoped = kustomize('config/namespaced');
  const clusterRules = (only(scoped, 'ClusterRole') as KubeObject & { rules: PolicyRule[] }).rules;
  const workloads = scoped.find((o) => o.kind === 'Role' && o.metadata.name === 'westward-workloads') as KubeObject & { rules: PolicyRule[] };

  it('grants targets and pods in the watched namespace only', () => {
    for (const [group, resource, verbs] of [['apps', 'deployments', ['get', 'list', 'watch', 'patch']], ['apps', 'statefulsets', ['get', 'list', 'watch', 'patch']], ['', 'pods', ['get', 'list', 'watch']], ['', 'pods/eviction', ['create']]] as const) {
      for (const verb of verbs) {
        expect(allows(clusterRules, group, resource, verb), `cluster-wide ${resource} ${verb}`).toBe(false);
        expect(allows(workloads.rules, group, resource, verb), `${resource} ${verb}`).toBe(true);
      }
    }
    expect(workloads.metadata.namespace).toBe('factory');
    const binding = scoped.find((o) => o.kind === 'RoleBinding' && o.metadata.name === 'westward-workloads') as KubeObject & { subjects: Subject[]; roleRef: { kind: string; name: string } };
    expect(binding.metadata.namespace).toBe('factory');
    expect(binding.roleRef).toMatchObject({ kind: 'Role', name: 'westward-workloads' });
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'westward', namespace }]);
  });

  it('keeps every other cluster-wide rule of config/default', () => {
    const base = (only(all, 'ClusterRole') as KubeObject & { rules: PolicyRule[] }).rules;
    expect(clusterRules).toEqual(base.slice(0, -3));
  });

  it('passes the same namespace to the operator', () => {
    const container = (only(scoped, 'Deployment').spec as DeploymentSpec).template.spec.containers[0] as Container;
    expect(container.args).toContain('--namespace=factory');
  });
});

// The operator's RBAC against a real API server's authorizer, in both install modes, from both
// kustomize (config/rbac, config/namespaced) and the chart (helm template, with and without
// watchNamespaces). The service account can do what
// the controllers need and nothing more. Asked through impersonation with `kubectl auth can-i`,
// as an administrator would.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNamespace, eventually, kubectl, kubectlOk } from './support/kube.ts';
import { chartRbac, renderedRbac } from './support/rbac.ts';

const root = path.resolve(import.meta.dirname, '../..');
const crdBase = path.join(root, 'config/crd');
const rbacBase = path.join(root, 'config/rbac');
const operatorNamespace = 'westward-system';
const serviceAccount = `system:serviceaccount:${operatorNamespace}:westward`;

/** A namespace the operator does not live in: where the factories' workloads run (the watched one under a scope). */
let factoryNamespace = '';
/** Under a namespace scope, a namespace that is not watched. */
let otherNamespace = '';
let rbacWasThere = false;

interface Check {
  verb: string;
  /** resource.group as kubectl spells it, e.g. deployments.apps */
  resource: string;
  subresource?: string;
  /** 'factory' (a workload namespace), 'other' (another one), 'operator' (westward-system), 'kube-system', 'cluster' or 'all' (every namespace at once). */
  scope: 'factory' | 'other' | 'operator' | 'kube-system' | 'cluster' | 'all';
}

async function canI(check: Check): Promise<boolean> {
  const args = ['auth', 'can-i', check.verb, check.resource, `--as=${serviceAccount}`];
  if (check.subresource !== undefined) args.push(`--subresource=${check.subresource}`);
  if (check.scope === 'factory') args.push('-n', factoryNamespace);
  if (check.scope === 'other') args.push('-n', otherNamespace);
  if (check.scope === 'operator') args.push('-n', operatorNamespace);
  if (check.scope === 'kube-system') args.push('-n', 'kube-system');
  if (check.scope === 'all') args.push('--all-namespaces');
  const result = await kubectl(args);
  const answer = result.stdout.trim();
  // can-i exits 0 with "yes" and 1 with "no"; anything else is a broken question, not a "no".
  if (answer !== 'yes' && answer !== 'no') {
    throw new Error(`kubectl ${args.join(' ')} answered ${JSON.stringify(answer)}: ${result.stderr.trim()}`);
  }
  return answer === 'yes';
}

function checks(scope: Check['scope'], resource: string, verbs: string[], subresource?: string): Check[] {
  return verbs.map((verb) => ({ verb, resource, scope, ...(subresource === undefined ? {} : { subresource }) }));
}

function describeCheck(c: Check): string {
  return `${c.verb} ${c.resource}${c.subresource === undefined ? '' : `/${c.subresource}`} (${c.scope})`;
}

const allowed: Check[] = [
  ...checks('cluster', 'hubs.westward.io', ['get', 'list', 'watch']),
  ...checks('cluster', 'hubs.westward.io', ['get', 'patch', 'update'], 'status'),
  ...checks('factory', 'factoryworkloads.westward.io', ['get', 'list', 'watch', 'patch', 'update']),
  ...checks('factory', 'factoryworkloads.westward.io', ['get', 'patch', 'update'], 'status'),
  ...checks('factory', 'factoryworkloads.westward.io', ['update'], 'finalizers'),
  ...checks('factory', 'deployments.apps', ['get', 'list', 'watch', 'patch']),
  ...checks('factory', 'statefulsets.apps', ['get', 'list', 'watch', 'patch']),
  ...checks('cluster', 'nodes', ['get', 'list', 'watch']),
  ...checks('factory', 'pods', ['get', 'list', 'watch']),
  ...checks('factory', 'pods', ['create'], 'eviction'),
  ...checks('operator', 'secrets', ['get']),
  ...checks('factory', 'events.events.k8s.io', ['create', 'patch']),
  ...checks('factory', 'events', ['create', 'patch']),
  ...checks('operator', 'leases.coordination.k8s.io', ['get', 'list', 'watch', 'create', 'update', 'patch']),
];

const denied: Check[] = [
  ...checks('factory', 'deployments.apps', ['create', 'update', 'delete', 'deletecollection']),
  ...checks('factory', 'statefulsets.apps', ['create', 'delete']),
  ...checks('factory', 'deployments.apps', ['update', 'patch'], 'scale'),
  ...checks('factory', 'secrets', ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete']),
  ...checks('operator', 'secrets', ['list', 'watch', 'update', 'delete']),
  ...checks('all', 'secrets', ['get', 'list']),
  ...checks('factory', 'pods', ['create', 'delete', 'patch']),
  ...checks('factory', 'pods', ['create'], 'exec'),
  ...checks('cluster', 'nodes', ['patch', 'update', 'delete']),
  ...checks('cluster', 'hubs.westward.io', ['create', 'update', 'patch', 'delete']),
  ...checks('factory', 'factoryworkloads.westward.io', ['create', 'delete']),
  ...checks('factory', 'leases.coordination.k8s.io', ['get', 'create', 'update']),
  ...checks('operator', 'leases.coordination.k8s.io', ['delete']),
  ...checks('factory', 'configmaps', ['get']),
  ...checks('factory', 'events', ['delete']),
  ...checks('cluster', 'clusterrolebindings.rbac.authorization.k8s.io', ['create']),
  ...checks('factory', 'roles.rbac.authorization.k8s.io', ['create']),
  ...checks('cluster', 'customresourcedefinitions.apiextensions.k8s.io', ['update']),
];

/** Cluster-wide, RBAC cannot leave kube-system out: the operator itself does, unless --namespace names it. */
const allowedClusterWide: Check[] = [...allowed, ...checks('kube-system', 'deployments.apps', ['patch'])];

/** Rights that do not depend on the mode. */
const allowedInBoth: Check[] = allowed.filter((c) => !['deployments.apps', 'statefulsets.apps', 'pods'].includes(c.resource));

/** Under a namespace scope: targets and pods in the watched namespace, nowhere else. */
const allowedScoped: Check[] = [
  ...allowedInBoth,
  ...checks('factory', 'deployments.apps', ['get', 'list', 'watch', 'patch']),
  ...checks('factory', 'statefulsets.apps', ['get', 'list', 'watch', 'patch']),
  ...checks('factory', 'pods', ['get', 'list', 'watch']),
  ...checks('factory', 'pods', ['create'], 'eviction'),
];
const deniedScoped: Check[] = [
  ...denied,
  ...checks('other', 'pods', ['create'], 'eviction'),
  ...checks('other', 'deployments.apps', ['get', 'list', 'watch', 'patch']),
  ...checks('other', 'statefulsets.apps', ['get', 'list', 'watch', 'patch']),
  ...checks('other', 'pods', ['get', 'list', 'watch']),
  ...checks('kube-system', 'deployments.apps', ['get', 'patch']),
  ...checks('kube-system', 'statefulsets.apps', ['patch']),
  ...checks('all', 'deployments.apps', ['list', 'watch']),
  ...checks('all', 'statefulsets.apps', ['list']),
  ...checks('all', 'pods', ['list', 'watch']),
];

describe('operator RBAC on a real API server', () => {
  beforeAll(async () => {
    // A westward-system left terminating by an earlier run takes no new objects: wait it out.
    await eventually(`namespace ${operatorNamespace} not terminating`, async () => {
      const phase = await kubectl(['get', 'namespace', operatorNamespace, '-o', 'jsonpath={.status.phase}']);
      return phase.code !== 0 || phase.stdout.trim() === 'Active' ? true : undefined;
    });
    if ((await kubectl(['get', 'namespace', operatorNamespace])).code !== 0) {
      await kubectlOk(['create', 'namespace', operatorNamespace]);
    }
    rbacWasThere = (await kubectl(['get', 'clusterrole', 'westward-manager'])).code === 0;
    // The CRDs make hubs and factoryworkloads real resources for discovery.
    await kubectlOk(['apply', '--server-side', '--force-conflicts', '-k', crdBase]);
    factoryNamespace = await createNamespace('rbac-factory');
    otherNamespace = await createNamespace('rbac-other');
  });

  afterAll(async () => {
    for (const ns of [factoryNamespace, otherNamespace]) if (ns !== '') await kubectl(['delete', 'namespace', ns, '--wait=false']);
    // westward-system stays: other tests may use it, and deleting it would leave it terminating.
    if (!rbacWasThere) await kubectl(['delete', '-k', rbacBase, '--ignore-not-found', '--wait=false']);
    else await kubectlOk(['apply', '--server-side', '--force-conflicts', '-k', rbacBase]);
  });

  it('answers no for a service account without bindings (the check itself can fail)', async () => {
    const stranger = await kubectl([
      'auth', 'can-i', 'get', 'hubs.westward.io', `--as=system:serviceaccount:${operatorNamespace}:someone-else`,
    ]);
    expect(stranger.stdout.trim()).toBe('no');
  });

  const modes: { name: string; scoped: boolean; rbac: () => Promise<string> }[] = [
    { name: 'kustomize, cluster-wide (config/rbac)', scoped: false, rbac: () => kubectlOk(['kustomize', rbacBase]) },
    { name: 'kustomize, namespace scope (config/namespaced)', scoped: true, rbac: () => renderedRbac('config/namespaced', { factory: factoryNamespace }) },
    { name: 'chart, cluster-wide', scoped: false, rbac: () => Promise.resolve(chartRbac()) },
    { name: 'chart, namespace scope (watchNamespaces)', scoped: true, rbac: () => Promise.resolve(chartRbac('--set', `watchNamespaces={${factoryNamespace}}`)) },
  ];

  describe.each(modes)('$name', ({ scoped, rbac }) => {
    beforeAll(async () => {
      await kubectlOk(['apply', '--server-side', '--force-conflicts', '-f', '-'], { input: await rbac() });
      // The authorizer reads RBAC from its own informers: wait until the bindings are in force.
      await eventually('the operator RBAC to take effect', async () => {
        const ok = (await canI({ verb: 'get', resource: 'hubs.westward.io', scope: 'cluster' })) &&
          (await canI({ verb: 'create', resource: 'leases.coordination.k8s.io', scope: 'operator' })) &&
          (await canI({ verb: 'patch', resource: 'deployments.apps', scope: 'factory' })) &&
          (await canI({ verb: 'list', resource: 'deployments.apps', scope: 'all' })) !== scoped;
        return ok ? true : undefined;
      });
    });

    it.each((scoped ? allowedScoped : allowedClusterWide).map((c) => [describeCheck(c), c] as const))('allows %s', async (_name, check) => {
      expect(await canI(check)).toBe(true);
    });

    it.each((scoped ? deniedScoped : denied).map((c) => [describeCheck(c), c] as const))('denies %s', async (_name, check) => {
      expect(await canI(check)).toBe(false);
    });
  });
});

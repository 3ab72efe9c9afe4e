// The shipped RBAC as an installer applies it, and an identity to run the operator under it.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { kubeconfigPath, kubectlOk } from './kube.ts';
import { helmBinary } from '../../unit/packaging/helm.ts';

const root = path.resolve(import.meta.dirname, '../../..');
const rbacKinds = new Set(['ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding']);

/**
 * The RBAC objects of a kustomization of the repository (e.g. config/namespaced), with namespaces
 * renamed by `retarget` (placeholder → this test's), as a YAML stream for `kubectl apply -f -`.
 */
export async function renderedRbac(dir: string, retarget: Record<string, string> = {}): Promise<string> {
  const rendered = await kubectlOk(['kustomize', path.join(root, dir)]);
  return parseAllDocuments(rendered)
    .map((d) => d.toJS() as { kind: string; metadata: { namespace?: string } })
    .filter((o) => rbacKinds.has(o.kind))
    .map((o) => {
      const ns = o.metadata.namespace;
      if (ns !== undefined && retarget[ns] !== undefined) o.metadata.namespace = retarget[ns];
      return stringify(o);
    })
    .join('---\n');
}

/** The RBAC objects of the chart rendered as release `westward` in westward-system, with `--set`s. */
export function chartRbac(...sets: string[]): string {
  return chartObjects([...rbacKinds], ...sets);
}

/** The chart's objects of the given kinds (release `westward` in westward-system), as a YAML stream. */
export function chartObjects(kinds: readonly string[], ...sets: string[]): string {
  const rendered = execFileSync(helmBinary(), ['template', 'westward', path.join(root, 'charts/westward'), '--namespace', 'westward-system', '--set', 'image.repository=registry.test/westward', ...sets], {
    encoding: 'utf8',
  });
  return parseAllDocuments(rendered)
    .map((d) => d.toJS() as { kind: string } | null)
    .filter((o): o is { kind: string } => o !== null && kinds.includes(o.kind))
    .map((o) => stringify(o))
    .join('---\n');
}

/** A shipped Role or RoleBinding file (config/...), placed in `namespace`. */
export function shippedIn(file: string, namespace: string): string {
  const object = parse(readFileSync(path.join(root, file), 'utf8')) as { metadata: { namespace?: string } };
  object.metadata.namespace = namespace;
  return stringify(object);
}

/** A kubeconfig that authenticates as a service account with a fresh token; returns its path. */
export async function serviceAccountKubeconfig(namespace: string, name: string): Promise<string> {
  const token = (await kubectlOk(['create', 'token', name, '-n', namespace, '--duration=1h'])).trim();
  const admin = parse(readFileSync(kubeconfigPath(), 'utf8')) as { clusters: { cluster: Record<string, string> }[] };
  const cluster = { ...admin.clusters[0]?.cluster };
  const ca = cluster['certificate-authority'];
  if (ca !== undefined) cluster['certificate-authority'] = path.resolve(path.dirname(kubeconfigPath()), ca);
  const file = path.join(path.dirname(kubeconfigPath()), `${namespace}-${name}-${Date.now()}.kubeconfig`);
  writeFileSync(
    file,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'local', cluster }],
      users: [{ name, user: { token } }],
      contexts: [{ name, context: { cluster: 'local', user: name } }],
      'current-context': name,
    }),
  );
  return file;
}

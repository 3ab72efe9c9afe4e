// The demo's IO with the local control plane: its scripts, kubectl, and a snapshot of what the
// screen shows, read through the API.
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { AppsV1Api, CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { parse } from 'yaml';
import { factoryWorkloadPlural, group, hubPlural, version, type FactoryWorkload, type Hub } from '../../src/api/index.ts';
import { parseObjects, type SampleObject } from './manifests.ts';
import { hubView, workloadView, type HubView, type NodeLike, type WorkloadView } from './view.ts';

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command; `inherit` shows its stderr on the terminal (the control plane's progress). */
export function run(command: string, args: string[], options: { input?: string; inherit?: boolean; cwd?: string } = {}): Promise<CommandResult> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: options.cwd, stdio: ['pipe', 'pipe', options.inherit === true ? 'inherit' : 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', (error) => {
      resolve({ code: 127, stdout, stderr: error.message });
    });
    child.on('close', (code) => {
      resolve({ code: code ?? 1, stdout, stderr });
    });
    child.stdin?.end(options.input ?? '');
  });
}

/** The first line of what a failed command said, for a one-line reason. */
export function firstLine(result: CommandResult): string {
  return (result.stderr.trim() || result.stdout.trim()).split('\n')[0] ?? `exit ${result.code}`;
}

export async function kubectl(kubeconfig: string, args: string[], input?: string): Promise<string> {
  const result = await run('kubectl', ['--kubeconfig', kubeconfig, ...args], input === undefined ? {} : { input });
  if (result.code !== 0) throw new Error(`kubectl ${args.slice(0, 2).join(' ')}: ${firstLine(result)}`);
  return result.stdout;
}

export async function clusterReady(kubeconfig: string): Promise<boolean> {
  return (await run('kubectl', ['--kubeconfig', kubeconfig, 'get', '--raw', '/readyz'])).code === 0;
}

/** The sample files in the order config/samples/Kustomization lists them. */
export async function sampleObjects(root: string): Promise<SampleObject[]> {
  const dir = path.join(root, 'config/samples');
  const kustomization = parse(await readFile(path.join(dir, 'Kustomization'), 'utf8')) as { resources?: string[] };
  const objects: SampleObject[] = [];
  for (const file of kustomization.resources ?? []) {
    objects.push(...parseObjects(await readFile(path.join(dir, file), 'utf8'), file));
  }
  return objects;
}

export interface Snapshot {
  hubs: HubView[];
  workloads: WorkloadView[];
  movedEvents: number;
}

interface Listed<T> {
  items?: T[];
}

/** The given Hubs, the FactoryWorkloads of the given namespaces, their pods, and Moved events since `sinceMs`. */
export async function snapshot(kc: KubeConfig, scope: { hubs: readonly string[]; namespaces: readonly string[] }, sinceMs: number): Promise<Snapshot> {
  const { namespaces } = scope;
  const custom = kc.makeApiClient(CustomObjectsApi);
  const core = kc.makeApiClient(CoreV1Api);
  const apps = kc.makeApiClient(AppsV1Api);
  const [hubList, fwList, nodeList, events] = await Promise.all([
    custom.listClusterCustomObject({ group, version, plural: hubPlural }) as Promise<Listed<Hub>>,
    custom.listCustomObjectForAllNamespaces({ group, version, resourcePlural: factoryWorkloadPlural }) as Promise<Listed<FactoryWorkload>>,
    core.listNode(),
    core.listEventForAllNamespaces({ fieldSelector: 'reason=Moved' }),
  ]);
  const perNamespace = await Promise.all(
    namespaces.map(async (namespace) => ({
      pods: (await core.listNamespacedPod({ namespace })).items,
      deployments: (await apps.listNamespacedDeployment({ namespace })).items,
    })),
  );
  const pods = perNamespace.flatMap((n) => n.pods);
  const selectors = new Map<string, Record<string, string>>();
  for (const n of perNamespace) {
    for (const d of n.deployments) selectors.set(`${d.metadata?.namespace ?? ''}/Deployment/${d.metadata?.name ?? ''}`, d.spec?.selector.matchLabels ?? {});
  }
  const nodes = new Map<string, NodeLike>(nodeList.items.map((n) => [n.metadata?.name ?? '', n]));
  const workloads = (fwList.items ?? [])
    .filter((fw) => namespaces.includes(fw.metadata?.namespace ?? ''))
    .sort((a, b) => `${a.metadata?.namespace ?? ''}/${a.metadata?.name ?? ''}`.localeCompare(`${b.metadata?.namespace ?? ''}/${b.metadata?.name ?? ''}`))
    .map((fw) => workloadView(fw, selectors.get(`${fw.metadata?.namespace ?? ''}/${fw.spec.targetRef.kind}/${fw.spec.targetRef.name}`), pods, nodes));
  const movedEvents = events.items.filter(
    (e) => namespaces.includes(e.metadata.namespace ?? '') && (e.metadata.creationTimestamp?.getTime() ?? 0) >= sinceMs,
  ).length;
  const hubs = (hubList.items ?? []).filter((h) => scope.hubs.includes(h.metadata?.name ?? '')).map(hubView).sort((a, b) => a.name.localeCompare(b.name));
  return { hubs, workloads, movedEvents };
}

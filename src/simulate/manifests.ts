// Reads multi-document YAML manifests from files and directories (IO shell of the simulator).
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { withFactoryWorkloadDefaults, withHubDefaults } from '../api/defaults.ts';
import type { FactoryWorkload as ApiFactoryWorkload, Hub as ApiHub } from '../api/generated/index.ts';
import type { Node } from '../model/kube.ts';
import type { ScenarioObjects } from './scenario.ts';
import { ScenarioError } from './scenario.ts';

/** Files named directly, and *.yaml / *.yml under directories (recursively, sorted). */
export async function manifestFiles(paths: readonly string[]): Promise<string[]> {
  const files: string[] = [];
  for (const path of paths) {
    const info = await stat(path);
    if (info.isDirectory()) {
      const entries = (await readdir(path, { recursive: true })).sort();
      for (const entry of entries) if (/\.ya?ml$/.test(entry)) files.push(join(path, entry));
    } else files.push(path);
  }
  return files;
}

/**
 * A Node in a manifest declares capacity; no kubelet has reported on it. One without any
 * condition is taken as Ready (as kwok marks such nodes); stated conditions are kept.
 */
export function declaredNodeReady(node: Node): Node {
  if ((node.status?.conditions ?? []).length > 0) return node;
  return { ...node, status: { ...node.status, conditions: [{ type: 'Ready', status: 'True' }] } };
}

/** Sorts parsed documents by kind; kinds the simulator does not use are ignored. */
export function classifyDocuments(documents: readonly unknown[], source: string): ScenarioObjects {
  const objects: ScenarioObjects = { hubs: [], nodes: [], pods: [], targets: [], factoryWorkloads: [] };
  for (const document of documents) {
    if (document === null || typeof document !== 'object') continue;
    const kind = (document as { kind?: unknown }).kind;
    const items = kind === 'List' ? ((document as { items?: unknown[] }).items ?? []) : [document];
    if (kind === 'List') {
      const nested = classifyDocuments(items, source);
      for (const key of Object.keys(objects) as (keyof ScenarioObjects)[]) (objects[key] as unknown[]).push(...nested[key]);
      continue;
    }
    switch (kind) {
      case 'Hub':
        if (typeof (document as { spec?: unknown }).spec !== 'object') throw new ScenarioError(`${source}: Hub without spec`);
        // Files did not come through the API server: fill in the CRDs' defaults as it would.
        objects.hubs.push(withHubDefaults(document as ApiHub));
        break;
      case 'Node':
        objects.nodes.push(declaredNodeReady(document));
        break;
      case 'Pod':
        objects.pods.push(document);
        break;
      case 'Deployment':
      case 'StatefulSet':
        objects.targets.push(document);
        break;
      case 'FactoryWorkload':
        if (typeof (document as { spec?: unknown }).spec !== 'object') throw new ScenarioError(`${source}: FactoryWorkload without spec`);
        objects.factoryWorkloads.push(withFactoryWorkloadDefaults(document as ApiFactoryWorkload));
        break;
      default:
        break;
    }
  }
  return objects;
}

export function parseManifests(text: string, source: string): ScenarioObjects {
  const documents = parseAllDocuments(text);
  const parsed: unknown[] = [];
  for (const document of Array.isArray(documents) ? documents : [documents]) {
    const error = document.errors[0];
    // The parser's message ends in a multi-line excerpt of the source; the first line says where.
    if (error !== undefined) throw new ScenarioError(`${source}: ${(error.message.split('\n')[0] ?? '').replace(/:$/, '')}`);
    parsed.push(document.toJS());
  }
  return classifyDocuments(parsed, source);
}

export async function readManifests(paths: readonly string[]): Promise<ScenarioObjects> {
  const all: ScenarioObjects = { hubs: [], nodes: [], pods: [], targets: [], factoryWorkloads: [] };
  for (const file of await manifestFiles(paths)) {
    const objects = parseManifests(await readFile(file, 'utf8'), file);
    for (const key of Object.keys(all) as (keyof ScenarioObjects)[]) (all[key] as unknown[]).push(...objects[key]);
  }
  return all;
}

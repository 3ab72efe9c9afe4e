// Reads the packaging files (chart, kustomize bases, CRDs) from the repository for the unit tests.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';

export const repoRoot = path.resolve(import.meta.dirname, '../../..');
export const chartDir = path.join(repoRoot, 'charts/westward');

export function readText(relative: string): string {
  return readFileSync(path.join(repoRoot, relative), 'utf8');
}

export function readYaml(relative: string): unknown {
  return parse(readText(relative));
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [field: string]: unknown;
}

/** Every non-empty document of a multi-document YAML stream. */
export function parseObjects(text: string): KubeObject[] {
  return parseAllDocuments(text)
    .map((d) => d.toJS() as KubeObject | null)
    .filter((o): o is KubeObject => o !== null);
}

export interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

/** Whether any rule grants verb on group/resource (resource may carry a /subresource). */
export function allows(rules: readonly PolicyRule[], group: string, resource: string, verb: string): boolean {
  return rules.some(
    (r) =>
      (r.apiGroups.includes(group) || r.apiGroups.includes('*')) &&
      (r.resources.includes(resource) || r.resources.includes('*')) &&
      (r.verbs.includes(verb) || r.verbs.includes('*')),
  );
}

/** A rule set flattened to sorted "group/resource:verb" grants, for comparing two rule sets. */
export function grants(rules: readonly PolicyRule[]): string[] {
  const out = new Set<string>();
  for (const r of rules)
    for (const g of r.apiGroups) for (const res of r.resources) for (const v of r.verbs) out.add(`${g}/${res}:${v}`);
  return [...out].sort();
}

/** `kubectl kustomize` of a directory of the repository (the kustomize inside kubectl, offline). */
export function kustomize(dir: string): KubeObject[] {
  let out: string;
  try {
    out = execFileSync('kubectl', ['kustomize', dir], { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new Error(`kubectl kustomize ${dir} failed; these tests need kubectl (with its built-in kustomize) on PATH: ${detail}`, {
      cause: error,
    });
  }
  return parseObjects(out);
}

/** An overlay of repository directories, as an installer writes one: resources plus components. */
export function kustomizeOverlay(resources: string[], components: string[] = []): KubeObject[] {
  const dir = mkdtempSync(path.join(tmpdir(), 'westward-overlay-'));
  // kustomize takes only relative paths to other kustomizations.
  const rel = (d: string) => path.relative(dir, path.join(repoRoot, d));
  try {
    writeFileSync(
      path.join(dir, 'kustomization.yaml'),
      ['resources:', ...resources.map((r) => `  - ${rel(r)}`), ...(components.length ? ['components:', ...components.map((c) => `  - ${rel(c)}`)] : [])].join('\n') + '\n',
    );
    return kustomize(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

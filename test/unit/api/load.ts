// Reads the CRDs and samples from the repository for the API's unit tests.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import type { CustomResourceDefinition } from '../../../src/api/schema.ts';

export const repoRoot = path.resolve(import.meta.dirname, '../../..');

export function loadCrd(plural: string): CustomResourceDefinition {
  return parse(readFileSync(path.join(repoRoot, 'crds', `westward.io_${plural}.yaml`), 'utf8')) as CustomResourceDefinition;
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
}

/** Every object in config/samples/ (all YAML files below it; its kustomization is named Kustomization). */
export function loadSamples(): KubeObject[] {
  const dir = path.join(repoRoot, 'config/samples');
  const files = readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.yaml'))
    .sort();
  return files.flatMap((f) =>
    parseAllDocuments(readFileSync(path.join(dir, f), 'utf8'))
      .map((d) => d.toJS() as KubeObject | null)
      .filter((o): o is KubeObject => o !== null),
  );
}

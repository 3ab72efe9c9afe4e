// The chart ships copies of the CRDs (Helm packages symlinks badly); crds/ is the single source of
// truth. This fails as soon as a copy drifts: fix it with `cp crds/westward.io_*.yaml charts/westward/crds/`.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { chartDir, repoRoot } from './repo.ts';

const sourceDir = path.join(repoRoot, 'crds');
const copyDir = path.join(chartDir, 'crds');
const fix = 'run: cp crds/westward.io_*.yaml charts/westward/crds/';

function yamlFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml') || f.endsWith('.yml') || f.endsWith('.json'))
    .sort();
}

/** The CRD files of crds/ (it also holds a kustomization, which is not a CRD). */
function sourceCrdFiles(): string[] {
  return yamlFiles(sourceDir).filter((f) => {
    const doc = parse(readFileSync(path.join(sourceDir, f), 'utf8')) as { kind?: unknown } | null;
    return doc?.kind === 'CustomResourceDefinition';
  });
}

describe('chart CRDs', () => {
  it('are the same set of files as the CRDs in crds/', () => {
    const sources = sourceCrdFiles();
    expect(sources.length, 'crds/ holds the CRDs').toBeGreaterThanOrEqual(2);
    expect(yamlFiles(copyDir), `charts/westward/crds/ holds exactly the CRDs of crds/; ${fix}`).toEqual(sources);
  });

  it('are byte-for-byte copies of crds/', () => {
    for (const file of sourceCrdFiles()) {
      const copy = path.join(copyDir, file);
      const source = readFileSync(path.join(sourceDir, file), 'utf8');
      let copied = '';
      try {
        copied = readFileSync(copy, 'utf8');
      } catch {
        expect.fail(`charts/westward/crds/${file} is missing; ${fix}`);
      }
      expect(copied === source, `charts/westward/crds/${file} differs from crds/${file}; ${fix}`).toBe(true);
    }
  });

  it('hold only CustomResourceDefinitions, because Helm installs every file there as one', () => {
    for (const file of yamlFiles(copyDir)) {
      const doc = parse(readFileSync(path.join(copyDir, file), 'utf8')) as { apiVersion?: unknown; kind?: unknown };
      expect(doc.apiVersion, file).toBe('apiextensions.k8s.io/v1');
      expect(doc.kind, file).toBe('CustomResourceDefinition');
    }
  });
});

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { validateFactoryWorkload, validateHub } from '../../../src/api/validate.ts';
import { invalid, set, validHub, validWorkload } from './invalid-objects.ts';
import { loadSamples, repoRoot } from './load.ts';

describe('validateHub and validateFactoryWorkload', () => {
  it('accept the valid bases and every sample', () => {
    expect(validateHub(validHub('ok', 'x'))).toEqual([]);
    expect(validateFactoryWorkload(validWorkload('ok', 'ns'))).toEqual([]);
    for (const o of loadSamples()) {
      if (o.kind === 'Hub') expect(validateHub(o), o.metadata.name).toEqual([]);
      if (o.kind === 'FactoryWorkload') expect(validateFactoryWorkload(o), o.metadata.name).toEqual([]);
    }
  });

  // The same table the e2e test sends to the API server: each refusal names the same field.
  it.each(invalid.map((c) => [c.what, c] as const))('refuse %s, naming the field', (_what, c) => {
    const object = c.kind === 'Hub' ? validHub('bad', 'x') : validWorkload('bad', 'ns');
    for (const [field, value] of Object.entries(c.changes)) set(object, field, structuredClone(value));
    const problems = c.kind === 'Hub' ? validateHub(object) : validateFactoryWorkload(object);
    const field = new RegExp(c.says.source.split('.*')[0] ?? '');
    expect(problems.map((p) => p.field)).toEqual(expect.arrayContaining([expect.stringMatching(field)]));
  });

  it('reads the CRD file itself as invalid input without throwing', () => {
    const crd = parseAllDocuments(readFileSync(path.join(repoRoot, 'crds/westward.io_hubs.yaml'), 'utf8'))[0]?.toJS() as unknown;
    expect(validateHub(crd).map((p) => p.field)).toContain('spec.location');
  });
});

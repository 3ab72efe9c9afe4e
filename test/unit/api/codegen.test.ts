import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateApiSources, singular, wrap } from '../../../src/api/codegen.ts';
import type { CustomResourceDefinition, OpenApiSchema } from '../../../src/api/schema.ts';
import { loadCrd, repoRoot } from './load.ts';

function crdWith(spec: OpenApiSchema): CustomResourceDefinition {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'widgets.example.io' },
    spec: {
      group: 'example.io',
      scope: 'Namespaced',
      names: { kind: 'Widget', plural: 'widgets', singular: 'widget' },
      versions: [
        { name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec } } } },
      ],
    },
  };
}

describe('generateApiSources', () => {
  it('matches the committed src/api/generated/ (run npm run generate:api when this fails)', () => {
    const files = generateApiSources([
      { crd: loadCrd('factoryworkloads'), source: 'crds/westward.io_factoryworkloads.yaml' },
      { crd: loadCrd('hubs'), source: 'crds/westward.io_hubs.yaml' },
    ]);
    const dir = path.join(repoRoot, 'src/api/generated');
    expect(readdirSync(dir).sort()).toEqual([...files.keys()].sort());
    for (const [name, text] of files) expect(readFileSync(path.join(dir, name), 'utf8'), name).toBe(text);
  });

  it('turns required, optional, enum, list and map fields into the TypeScript a person would write', () => {
    const files = generateApiSources([
      {
        crd: crdWith({
          type: 'object',
          required: ['size'],
          properties: {
            size: { type: 'integer', description: 'How big.', minimum: 1 },
            colour: { type: 'string', enum: ['Red', 'Blue'] },
            parts: {
              type: 'array',
              items: { type: 'object', required: ['id'], properties: { id: { type: 'string' } } },
            },
            tags: { type: 'object', additionalProperties: { type: 'string' } },
          },
        }),
        source: 'widgets.yaml',
      },
    ]);
    const text = files.get('widget.ts') ?? '';
    expect(text).toContain('export interface WidgetSpec {');
    expect(text).toMatch(/ \* How big\.\n {3}\* @minimum 1\n {3}\*\/\n {2}size: number;/);
    expect(text).toContain('colour?: WidgetColour;');
    expect(text).toContain('export type WidgetColour = "Red" | "Blue";');
    expect(text).toContain('parts?: WidgetPart[];');
    expect(text).toContain('export interface WidgetPart {\n  id: string;\n}');
    expect(text).toContain('tags?: Record<string, string>;');
    expect(text.indexOf('interface WidgetSpec')).toBeLessThan(text.indexOf('interface WidgetPart'));
  });

  it('shares label selectors and conditions through common.ts', () => {
    const files = generateApiSources([{ crd: loadCrd('hubs'), source: 'hubs.yaml' }]);
    expect(files.get('hub.ts')).toContain('nodeSelector: LabelSelector;');
    expect(files.get('hub.ts')).toContain('conditions?: Condition[];');
    expect(files.get('common.ts')).toContain('export interface LabelSelectorRequirement {');
  });

  it('refuses two different shapes under one name', () => {
    // Widget.spec.a.b and Widget.spec.aB would both be called WidgetAB.
    const crd = crdWith({
      type: 'object',
      properties: {
        a: { type: 'object', properties: { b: { type: 'object', properties: { x: { type: 'string' } } } } },
        aB: { type: 'object', properties: { y: { type: 'string' } } },
      },
    });
    expect(() => generateApiSources([{ crd, source: 'w.yaml' }])).toThrow(/WidgetAB/);
  });
});

describe('naming and wrapping helpers', () => {
  it('singular drops one trailing s', () => {
    expect(singular('points')).toBe('point');
    expect(singular('network')).toBe('network');
  });

  it('wrap keeps lines within the width and loses no word', () => {
    const text = 'the quick brown fox jumps over the lazy dog '.repeat(5);
    const lines = wrap(text, 20);
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(20);
    expect(lines.join(' ')).toBe(text.trim());
  });
});

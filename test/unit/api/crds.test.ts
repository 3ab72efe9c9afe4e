// Structural checks of the CRDs that need no API server: descriptions, list types, defaults,
// printer columns, and agreement with src/api/constants.ts.
import { describe, expect, it } from 'vitest';
import {
  credentialedProviders,
  factoryWorkloadPlural,
  forecastProviders,
  forecastSources,
  group,
  hubPlural,
  version,
  zonedProviders,
} from '../../../src/api/constants.ts';
import { storageSchema, type OpenApiSchema } from '../../../src/api/schema.ts';
import { loadCrd } from './load.ts';

const hubs = loadCrd('hubs');
const fws = loadCrd('factoryworkloads');

/** Every schema node with its dotted path. */
function walk(schema: OpenApiSchema, at: string): [string, OpenApiSchema][] {
  const out: [string, OpenApiSchema][] = [[at, schema]];
  for (const [name, child] of Object.entries(schema.properties ?? {})) out.push(...walk(child, `${at}.${name}`));
  if (schema.items !== undefined) out.push(...walk(schema.items, `${at}[]`));
  if (typeof schema.additionalProperties === 'object') out.push(...walk(schema.additionalProperties, `${at}{}`));
  return out;
}

function at(schema: OpenApiSchema, path: string): OpenApiSchema {
  let node: OpenApiSchema | undefined = schema;
  for (const part of path.split('.')) {
    node = part === '[]' ? node?.items : node?.properties?.[part];
  }
  if (node === undefined) throw new Error(`no schema at ${path}`);
  return node;
}

describe.each([
  ['Hub', hubs, hubPlural, 'hub', 'Cluster'],
  ['FactoryWorkload', fws, factoryWorkloadPlural, 'fw', 'Namespaced'],
])('%s CRD', (kind, crd, plural, shortName, scope) => {
  const schema = storageSchema(crd);

  it('names the kind as the constants do, with its short name and the westward category', () => {
    expect(crd.metadata.name).toBe(`${plural}.${group}`);
    expect(crd.spec.group).toBe(group);
    expect(crd.spec.names.kind).toBe(kind);
    expect(crd.spec.names.shortNames).toEqual([shortName]);
    expect(crd.spec.names.categories).toEqual(['westward']);
    expect(crd.spec.scope).toBe(scope);
    expect(crd.spec.versions.map((v) => v.name)).toEqual([version]);
  });

  it('describes every field (objects, lists of objects and scalars; not plain list elements)', () => {
    // The API server forbids anything but a type on metadata; kubectl explains it from ObjectMeta.
    const missing = walk(schema, kind)
      .filter(([path]) => path !== `${kind}.metadata`)
      .filter(([path, node]) => !path.endsWith('[]') && !path.endsWith('{}') || node.type === 'object')
      .filter(([, node]) => (node.description ?? '').trim().length < 8)
      .map(([path]) => path);
    expect(missing).toEqual([]);
  });

  it('gives every CEL rule a message and every list a list type', () => {
    for (const [path, node] of walk(schema, kind)) {
      for (const rule of node['x-kubernetes-validations'] ?? []) expect(rule.message, `${path}: ${rule.rule}`).toBeTruthy();
      if (node.type === 'array') expect(node['x-kubernetes-list-type'], path).toBeDefined();
    }
  });

  it('keeps conditions as a map keyed by type with the metav1.Condition shape', () => {
    const conditions = at(schema, 'status.conditions');
    expect(conditions['x-kubernetes-list-type']).toBe('map');
    expect(conditions['x-kubernetes-list-map-keys']).toEqual(['type']);
    expect(conditions.items?.required?.slice().sort()).toEqual(['lastTransitionTime', 'message', 'reason', 'status', 'type']);
    expect(at(schema, 'status.conditions.[].status').enum).toEqual(['True', 'False', 'Unknown']);
  });

  it('has a status subresource and an Age column last', () => {
    const v = crd.spec.versions[0];
    expect(v?.storage).toBe(true);
    expect((v as unknown as { subresources?: { status?: unknown } }).subresources?.status).toEqual({});
    expect(v?.additionalPrinterColumns?.at(-1)).toMatchObject({ name: 'Age', jsonPath: '.metadata.creationTimestamp' });
  });
});

describe('Hub schema', () => {
  const spec = at(storageSchema(hubs), 'spec');

  it('lists the contract providers, in the constants order, and the status sources', () => {
    expect(at(spec, 'forecast.provider').enum).toEqual([...forecastProviders]);
    expect(at(storageSchema(hubs), 'status.forecast.source').enum).toEqual([...forecastSources]);
  });

  it('has the contract defaults and ranges', () => {
    expect(at(spec, 'forecast.refreshInterval').default).toBe('15m');
    expect(at(spec, 'forecast.maxStaleness').default).toBe('3h');
    expect(at(spec, 'energy.baseLoadMW').default).toBe(0);
    expect(at(spec, 'location.latitude')).toMatchObject({ minimum: -90, maximum: 90 });
    expect(at(spec, 'location.longitude')).toMatchObject({ minimum: -180, maximum: 180 });
    expect(at(spec, 'energy.pue')).toMatchObject({ minimum: 1, maximum: 3 });
    expect(at(spec, 'energy.gridCarbonIntensity')).toMatchObject({ minimum: 0, maximum: 2000 });
    expect(at(spec, 'network.[].rttMs')).toMatchObject({ minimum: 0, exclusiveMinimum: true });
    expect(spec.required?.slice().sort()).toEqual(['energy', 'forecast', 'location', 'nodeSelector']);
  });

  it('has CEL rules that name the providers of constants.ts', () => {
    const rules = (at(spec, 'forecast')['x-kubernetes-validations'] ?? []).map((r) => r.rule);
    const zoneRule = rules.find((r) => r.includes('self.zone')) ?? '';
    for (const p of forecastProviders) expect(zoneRule.includes(`'${p}'`), p).toBe((zonedProviders as readonly string[]).includes(p));
    const secretRule = rules.find((r) => r.includes('credentialsSecretRef')) ?? '';
    for (const p of forecastProviders) {
      expect(secretRule.includes(`'${p}'`), p).toBe((credentialedProviders as readonly string[]).includes(p));
    }
  });

  it('keys the network list by region', () => {
    expect(at(spec, 'network')['x-kubernetes-list-map-keys']).toEqual(['from']);
  });
});

describe('FactoryWorkload schema', () => {
  const spec = at(storageSchema(fws), 'spec');

  it('has the contract defaults, enums and ranges', () => {
    expect(at(spec, 'placement').default).toEqual({});
    expect(at(spec, 'placement.mode')).toMatchObject({ enum: ['Enforce', 'Shadow'], default: 'Enforce' });
    expect(at(spec, 'placement.minDwell').default).toBe('30m');
    expect(at(spec, 'placement.minImprovement')).toMatchObject({ minimum: 0, maximum: 1, default: 0.1 });
    expect(at(spec, 'targetRef.kind').enum).toEqual(['Deployment', 'StatefulSet']);
    expect(at(spec, 'targetRef.apiVersion').enum).toEqual(['apps/v1']);
    expect(at(spec, 'latencyBudgetMs')).toMatchObject({ minimum: 0, exclusiveMinimum: true });
    expect(at(spec, 'powerPerReplicaW')).toMatchObject({ minimum: 0, exclusiveMinimum: true });
    expect(spec.required?.slice().sort()).toEqual(['factory', 'latencyBudgetMs', 'powerPerReplicaW', 'targetRef']);
  });
});

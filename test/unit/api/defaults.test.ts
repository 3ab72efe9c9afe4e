import { describe, expect, it } from 'vitest';
import type { FactoryWorkload, Hub } from '../../../src/api/index.ts';
import { applySchemaDefaults, withFactoryWorkloadDefaults, withHubDefaults } from '../../../src/api/defaults.ts';

const bareHub: Hub = {
  apiVersion: 'westward.io/v1alpha1',
  kind: 'Hub',
  metadata: { name: 'gansu-qingyang' },
  spec: {
    location: { latitude: 35.71, longitude: 107.64 },
    nodeSelector: { matchLabels: { 'topology.kubernetes.io/region': 'cn-gansu' } },
    energy: { pue: 1.15, gridCarbonIntensity: 560 },
    forecast: { provider: 'OpenMeteo' },
  },
};

const bareWorkload: FactoryWorkload = {
  metadata: { name: 'weld', namespace: 'foshan' },
  spec: {
    targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'weld-qc' },
    factory: { region: 'guangdong' },
    latencyBudgetMs: 45,
    powerPerReplicaW: 700,
  },
};

describe('withHubDefaults', () => {
  // The expected defaults are the API contract's (docs/api.md), not read from the schema.
  it('fills refreshInterval, maxStaleness, base load and renewables', () => {
    const hub = withHubDefaults(bareHub);
    expect(hub.spec.forecast.refreshInterval).toBe('15m');
    expect(hub.spec.forecast.maxStaleness).toBe('3h');
    expect(hub.spec.energy.baseLoadMW).toBe(0);
    expect(hub.spec.energy.renewables).toEqual({ solarMW: 0, windMW: 0 });
  });

  it('keeps values that are given and leaves the input unchanged', () => {
    const given = structuredClone(bareHub);
    given.spec.forecast.refreshInterval = '5m';
    given.spec.energy.renewables = { solarMW: 400 };
    const before = structuredClone(given);
    const hub = withHubDefaults(given);
    expect(hub.spec.forecast.refreshInterval).toBe('5m');
    expect(hub.spec.energy.renewables).toEqual({ solarMW: 400, windMW: 0 });
    expect(given).toEqual(before);
  });

  it('does not add fields that have no default', () => {
    const hub = withHubDefaults(bareHub);
    expect(hub.spec.forecast.zone).toBeUndefined();
    expect(hub.spec.network).toBeUndefined();
    expect(hub.status).toBeUndefined();
  });

  it('is idempotent', () => {
    const once = withHubDefaults(bareHub);
    expect(withHubDefaults(once)).toEqual(once);
  });
});

describe('withFactoryWorkloadDefaults', () => {
  it('creates placement and fills mode, minDwell and minImprovement inside it', () => {
    const fw = withFactoryWorkloadDefaults(bareWorkload);
    expect(fw.spec.placement).toEqual({ mode: 'Enforce', minDwell: '30m', minImprovement: 0.1 });
  });

  it('keeps Shadow mode and a zero improvement', () => {
    const fw = withFactoryWorkloadDefaults({
      ...bareWorkload,
      spec: { ...bareWorkload.spec, placement: { mode: 'Shadow', minImprovement: 0 } },
    });
    expect(fw.spec.placement).toEqual({ mode: 'Shadow', minDwell: '30m', minImprovement: 0 });
  });
});

describe('applySchemaDefaults', () => {
  const schema = {
    type: 'object' as const,
    properties: {
      list: {
        type: 'array' as const,
        items: { type: 'object' as const, properties: { n: { type: 'number' as const, default: 7 } } },
      },
      map: {
        type: 'object' as const,
        additionalProperties: { type: 'object' as const, properties: { s: { type: 'string' as const, default: 'x' } } },
      },
      nullable: { type: 'string' as const, default: 'd' },
    },
  };

  it('defaults inside list items and map values, and replaces null as the API server does', () => {
    const out = applySchemaDefaults(schema, { list: [{}, { n: 1 }], map: { a: {}, b: { s: 'y' } }, nullable: null });
    expect(out).toEqual({ list: [{ n: 7 }, { n: 1 }], map: { a: { s: 'x' }, b: { s: 'y' } }, nullable: 'd' });
  });

  it('gives every defaulted object its own copy', () => {
    const s = { type: 'object' as const, properties: { a: { type: 'object' as const, default: { k: 1 } } } };
    const empty: { a?: { k: number } } = {};
    const one = applySchemaDefaults(s, empty);
    const two = applySchemaDefaults(s, empty);
    expect(one.a).toEqual({ k: 1 });
    expect(one.a).not.toBe(two.a);
    expect(empty).toEqual({});
  });
});

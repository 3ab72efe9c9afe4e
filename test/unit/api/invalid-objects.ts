// Valid base objects and a table of invalid changes to them, shared by the API's unit tests
// (the local validator) and end-to-end tests (the real API server), so both refuse the same.
import type { FactoryWorkload, Hub } from '../../../src/api/index.ts';

export function validHub(name: string, suffix: string): Hub {
  return {
    apiVersion: 'westward.io/v1alpha1',
    kind: 'Hub',
    metadata: { name },
    spec: {
      displayName: 'Test hub',
      location: { latitude: 35.71, longitude: 107.64 },
      nodeSelector: { matchLabels: { 'topology.kubernetes.io/region': `cn-test-${suffix}` } },
      energy: { pue: 1.15, gridCarbonIntensity: 560, renewables: { solarMW: 400, windMW: 700 } },
      forecast: { provider: 'OpenMeteo' },
      network: [
        { from: 'guangdong', rttMs: 38 },
        { from: 'zhejiang', rttMs: 34 },
      ],
    },
  };
}

export function validWorkload(name: string, namespace: string): FactoryWorkload {
  return {
    apiVersion: 'westward.io/v1alpha1',
    kind: 'FactoryWorkload',
    metadata: { name, namespace },
    spec: {
      targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'weld-qc' },
      factory: { region: 'guangdong', location: { latitude: 23.02, longitude: 113.12 } },
      latencyBudgetMs: 45,
      powerPerReplicaW: 700,
    },
  };
}

/** Sets (or with `undefined`, deletes) the field at a dotted path, creating objects on the way. */
export function set(object: object, dotted: string, value: unknown): void {
  const parts = dotted.split('.');
  let node = object as Record<string, unknown>;
  for (const part of parts.slice(0, -1)) {
    node[part] ??= {};
    node = node[part] as Record<string, unknown>;
  }
  const last = parts.at(-1) ?? '';
  if (value === undefined) Reflect.deleteProperty(node, last);
  else node[last] = value;
}

export interface InvalidCase {
  what: string;
  kind: 'Hub' | 'FactoryWorkload';
  changes: Record<string, unknown>;
  /** What the refusal must say: the offending field's path, and often why. */
  says: RegExp;
}

export const future = (h: number): string => new Date(Date.UTC(2030, 0, 1, h)).toISOString().replace('.000', '');

export const invalid: InvalidCase[] = [
  // Hub ranges and types
  { what: 'latitude above 90', kind: 'Hub', changes: { 'spec.location.latitude': 91 }, says: /spec\.location\.latitude/ },
  { what: 'longitude below -180', kind: 'Hub', changes: { 'spec.location.longitude': -181 }, says: /spec\.location\.longitude/ },
  { what: 'PUE below 1', kind: 'Hub', changes: { 'spec.energy.pue': 0.9 }, says: /spec\.energy\.pue/ },
  { what: 'PUE as a string', kind: 'Hub', changes: { 'spec.energy.pue': '1.2' }, says: /spec\.energy\.pue.*(number|numeric)/ },
  { what: 'grid intensity above 2000', kind: 'Hub', changes: { 'spec.energy.gridCarbonIntensity': 2500 }, says: /spec\.energy\.gridCarbonIntensity/ },
  { what: 'negative base load', kind: 'Hub', changes: { 'spec.energy.baseLoadMW': -1 }, says: /spec\.energy\.baseLoadMW/ },
  { what: 'negative solar capacity', kind: 'Hub', changes: { 'spec.energy.renewables.solarMW': -5 }, says: /spec\.energy\.renewables\.solarMW/ },
  { what: 'unknown provider', kind: 'Hub', changes: { 'spec.forecast.provider': 'Foo' }, says: /spec\.forecast\.provider.*Unsupported value/ },
  { what: 'non-http url', kind: 'Hub', changes: { 'spec.forecast.url': 'ftp://mirror' }, says: /spec\.forecast\.url/ },
  { what: 'zero round trip', kind: 'Hub', changes: { 'spec.network': [{ from: 'guangdong', rttMs: 0 }] }, says: /spec\.network\[0\]\.rttMs/ },
  {
    what: 'duplicate network region',
    kind: 'Hub',
    changes: { 'spec.network': [{ from: 'guangdong', rttMs: 30 }, { from: 'guangdong', rttMs: 40 }] },
    says: /spec\.network.*(Duplicate value|duplicate entries for key \[from="guangdong"\])/,
  },
  { what: 'region with capitals', kind: 'Hub', changes: { 'spec.network': [{ from: 'GuangDong', rttMs: 30 }] }, says: /spec\.network\[0\]\.from/ },
  // Hub required fields and selectors
  { what: 'no location', kind: 'Hub', changes: { 'spec.location': undefined }, says: /spec\.location.*Required value/ },
  { what: 'no node selector', kind: 'Hub', changes: { 'spec.nodeSelector': undefined }, says: /spec\.nodeSelector.*Required value/ },
  { what: 'empty node selector', kind: 'Hub', changes: { 'spec.nodeSelector': {} }, says: /spec\.nodeSelector.*must not be empty/ },
  { what: 'node selector label key with a space', kind: 'Hub', changes: { 'spec.nodeSelector': { matchLabels: { 'bad key!': 'x' } } }, says: /spec\.nodeSelector\.matchLabels.*label key/ },
  { what: 'node selector label key with an empty prefix', kind: 'Hub', changes: { 'spec.nodeSelector': { matchLabels: { '/region': 'x' } } }, says: /spec\.nodeSelector\.matchLabels.*label key/ },
  { what: 'node selector label key name over 63 characters', kind: 'Hub', changes: { 'spec.nodeSelector': { matchLabels: { ['k'.repeat(64)]: 'x' } } }, says: /spec\.nodeSelector\.matchLabels.*label key/ },
  { what: 'node selector label value with a space', kind: 'Hub', changes: { 'spec.nodeSelector': { matchLabels: { region: 'cn gansu' } } }, says: /spec\.nodeSelector\.matchLabels\.region/ },
  {
    what: 'node selector expression key with a bang',
    kind: 'Hub',
    changes: { 'spec.nodeSelector': { matchExpressions: [{ key: 'region!', operator: 'Exists' }] } },
    says: /spec\.nodeSelector\.matchExpressions\[0\]\.key/,
  },
  {
    what: 'node selector expression value over 63 characters',
    kind: 'Hub',
    changes: { 'spec.nodeSelector': { matchExpressions: [{ key: 'region', operator: 'In', values: ['v'.repeat(64)] }] } },
    says: /spec\.nodeSelector\.matchExpressions\[0\]\.values\[0\]/,
  },
  { what: 'hubSelector label key with a space', kind: 'FactoryWorkload', changes: { 'spec.placement.hubSelector': { matchLabels: { 'bad key': 'x' } } }, says: /spec\.placement\.hubSelector\.matchLabels.*label key/ },
  {
    what: 'In without values',
    kind: 'Hub',
    changes: { 'spec.nodeSelector': { matchExpressions: [{ key: 'topology.kubernetes.io/region', operator: 'In' }] } },
    says: /spec\.nodeSelector\.matchExpressions\[0\]\.values/,
  },
  // Hub CEL rules on the forecast
  { what: 'ElectricityMaps without zone', kind: 'Hub', changes: { 'spec.forecast.provider': 'ElectricityMaps', 'spec.forecast.credentialsSecretRef': { namespace: 'westward-system', name: 'em', key: 'token' } }, says: /spec\.forecast\.zone.*zone is required/ },
  { what: 'UKCarbonIntensity without zone', kind: 'Hub', changes: { 'spec.forecast.provider': 'UKCarbonIntensity' }, says: /spec\.forecast\.zone/ },
  { what: 'WattTime without credentials', kind: 'Hub', changes: { 'spec.forecast.provider': 'WattTime', 'spec.forecast.zone': 'CAISO_NORTH' }, says: /spec\.forecast\.credentialsSecretRef.*credentialsSecretRef is required/ },
  { what: 'credentials without key', kind: 'Hub', changes: { 'spec.forecast.provider': 'ElectricityMaps', 'spec.forecast.zone': 'CN', 'spec.forecast.credentialsSecretRef': { namespace: 'w', name: 'em' } }, says: /spec\.forecast\.credentialsSecretRef\.key.*Required value/ },
  { what: 'duration with a space', kind: 'Hub', changes: { 'spec.forecast.refreshInterval': '15 minutes' }, says: /spec\.forecast\.refreshInterval/ },
  { what: 'duration in days', kind: 'Hub', changes: { 'spec.forecast.maxStaleness': '1d' }, says: /spec\.forecast\.maxStaleness/ },
  { what: 'refresh faster than 5s', kind: 'Hub', changes: { 'spec.forecast.refreshInterval': '1s' }, says: /spec\.forecast\.refreshInterval.*at least 5s/ },
  { what: 'staleness below refresh', kind: 'Hub', changes: { 'spec.forecast.refreshInterval': '1h', 'spec.forecast.maxStaleness': '10m' }, says: /spec\.forecast\.maxStaleness.*at least refreshInterval/ },
  { what: 'Static without values', kind: 'Hub', changes: { 'spec.forecast.provider': 'Static' }, says: /spec\.forecast\.static.*static is required/ },
  { what: 'static values for OpenMeteo', kind: 'Hub', changes: { 'spec.forecast.static': { renewableShare: 0.5, carbonIntensity: 300 } }, says: /spec\.forecast\.static.*only allowed when provider is Static/ },
  { what: 'static with half a constant', kind: 'Hub', changes: { 'spec.forecast.provider': 'Static', 'spec.forecast.static': { renewableShare: 0.5 } }, says: /spec\.forecast\.static.*renewableShare and carbonIntensity/ },
  { what: 'static share above 1', kind: 'Hub', changes: { 'spec.forecast.provider': 'Static', 'spec.forecast.static': { renewableShare: 1.5, carbonIntensity: 100 } }, says: /spec\.forecast\.static\.renewableShare/ },
  {
    what: 'static constant and points',
    kind: 'Hub',
    changes: {
      'spec.forecast.provider': 'Static',
      'spec.forecast.static': { renewableShare: 0.5, carbonIntensity: 300, points: [{ start: future(0), end: future(1), renewableShare: 0.5, carbonIntensity: 300 }] },
    },
    says: /spec\.forecast\.static\.points.*not both/,
  },
  {
    what: 'static point ending before it starts',
    kind: 'Hub',
    changes: { 'spec.forecast.provider': 'Static', 'spec.forecast.static': { points: [{ start: future(2), end: future(1), renewableShare: 0.5, carbonIntensity: 300 }] } },
    says: /spec\.forecast\.static\.points\[0\]\.end.*start must be before end/,
  },
  {
    what: 'overlapping static points',
    kind: 'Hub',
    changes: {
      'spec.forecast.provider': 'Static',
      'spec.forecast.static': {
        points: [
          { start: future(0), end: future(2), renewableShare: 0.5, carbonIntensity: 300 },
          { start: future(1), end: future(3), renewableShare: 0.6, carbonIntensity: 250 },
        ],
      },
    },
    says: /spec\.forecast\.static\.points.*must not overlap/,
  },
  {
    what: 'static point with a bad time',
    kind: 'Hub',
    changes: { 'spec.forecast.provider': 'Static', 'spec.forecast.static': { points: [{ start: 'tomorrow', end: future(1), renewableShare: 0.5, carbonIntensity: 300 }] } },
    says: /spec\.forecast\.static\.points\[0\]\.start/,
  },
  { what: 'name longer than a label value', kind: 'Hub', changes: { 'metadata.name': `h${'x'.repeat(63)}` }, says: /name.*at most 63 characters/ },
  // FactoryWorkload
  { what: 'DaemonSet target', kind: 'FactoryWorkload', changes: { 'spec.targetRef.kind': 'DaemonSet' }, says: /spec\.targetRef\.kind.*Unsupported value/ },
  { what: 'target in another group', kind: 'FactoryWorkload', changes: { 'spec.targetRef.apiVersion': 'apps/v1beta1' }, says: /spec\.targetRef\.apiVersion/ },
  { what: 'no target', kind: 'FactoryWorkload', changes: { 'spec.targetRef': undefined }, says: /spec\.targetRef.*Required value/ },
  { what: 'target name with capitals', kind: 'FactoryWorkload', changes: { 'spec.targetRef.name': 'Weld_QC' }, says: /spec\.targetRef\.name/ },
  { what: 'zero latency budget', kind: 'FactoryWorkload', changes: { 'spec.latencyBudgetMs': 0 }, says: /spec\.latencyBudgetMs/ },
  { what: 'latency budget with a unit', kind: 'FactoryWorkload', changes: { 'spec.latencyBudgetMs': '45ms' }, says: /spec\.latencyBudgetMs.*(number|numeric)/ },
  { what: 'no latency budget', kind: 'FactoryWorkload', changes: { 'spec.latencyBudgetMs': undefined }, says: /spec\.latencyBudgetMs.*Required value/ },
  { what: 'negative power', kind: 'FactoryWorkload', changes: { 'spec.powerPerReplicaW': -1 }, says: /spec\.powerPerReplicaW/ },
  { what: 'no factory region', kind: 'FactoryWorkload', changes: { 'spec.factory.region': undefined }, says: /spec\.factory\.region.*Required value/ },
  { what: 'factory latitude below -90', kind: 'FactoryWorkload', changes: { 'spec.factory.location.latitude': -95 }, says: /spec\.factory\.location\.latitude/ },
  { what: 'unknown mode', kind: 'FactoryWorkload', changes: { 'spec.placement.mode': 'Auto' }, says: /spec\.placement\.mode.*Unsupported value/ },
  { what: 'dwell with a word unit', kind: 'FactoryWorkload', changes: { 'spec.placement.minDwell': '30min' }, says: /spec\.placement\.minDwell/ },
  { what: 'improvement above 1', kind: 'FactoryWorkload', changes: { 'spec.placement.minImprovement': 1.5 }, says: /spec\.placement\.minImprovement/ },
  {
    what: 'Exists with values',
    kind: 'FactoryWorkload',
    changes: { 'spec.placement.hubSelector': { matchExpressions: [{ key: 'westward.io/province', operator: 'Exists', values: ['gansu'] }] } },
    says: /spec\.placement\.hubSelector\.matchExpressions\[0\]\.values/,
  },
];


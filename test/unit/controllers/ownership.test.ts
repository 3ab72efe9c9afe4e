import { describe, expect, it } from 'vitest';
import { otherAffinityOwners, ownsNodeAffinity, placementFields, westwardOwnsAffinity } from '../../../src/controllers/factoryworkload/ownership.ts';

const at = (nodeAffinity: unknown): unknown => ({ 'f:spec': { 'f:template': { 'f:spec': { 'f:affinity': { 'f:nodeAffinity': nodeAffinity } } } } });

describe('ownsNodeAffinity', () => {
  it.each<[string, unknown, boolean]>([
    ['the required node selector (an atomic struct, as kubectl create records it)', at({ '.': {}, 'f:requiredDuringSchedulingIgnoredDuringExecution': {} }), true],
    ['the preferred terms', at({ 'f:preferredDuringSchedulingIgnoredDuringExecution': {} }), true],
    ['only the struct a forced apply leaves behind', at({ '.': {} }), false],
    ['pod anti-affinity only', { 'f:spec': { 'f:template': { 'f:spec': { 'f:affinity': { 'f:podAntiAffinity': {} } } } } }, false],
    ['nothing under the template', { 'f:spec': { 'f:replicas': {} } }, false],
    ['no fields', undefined, false],
  ])('%s → %s', (_what, fields, owns) => {
    expect(ownsNodeAffinity(fields)).toBe(owns);
  });
});

describe('owners of node affinity', () => {
  const entries = [
    { manager: 'westward', operation: 'Apply', fieldsV1: at({ 'f:preferredDuringSchedulingIgnoredDuringExecution': {} }) },
    { manager: 'flux', operation: 'Apply', fieldsV1: at({ 'f:requiredDuringSchedulingIgnoredDuringExecution': { 'f:nodeSelectorTerms': {} } }) },
    { manager: 'kubectl-create', operation: 'Update', fieldsV1: at({ 'f:preferredDuringSchedulingIgnoredDuringExecution': {} }) },
    { manager: 'kube-controller-manager', operation: 'Update', subresource: 'status', fieldsV1: at({ 'f:preferredDuringSchedulingIgnoredDuringExecution': {} }) },
    { manager: 'helm', operation: 'Update', fieldsV1: { 'f:spec': { 'f:replicas': {} } } },
  ];

  it('names the others by operation, never Westward, never a status writer', () => {
    expect(otherAffinityOwners(entries)).toEqual([
      { manager: 'flux', operation: 'Apply' },
      { manager: 'kubectl-create', operation: 'Update' },
    ]);
    expect(westwardOwnsAffinity(entries)).toBe(true);
    expect(westwardOwnsAffinity(entries.slice(1))).toBe(false);
  });

  it('keeps in the cache only the entries that say who owns node affinity', () => {
    expect(placementFields(entries)?.map((e) => e.manager)).toEqual(['westward', 'flux', 'kubectl-create', 'kube-controller-manager']);
  });
});

// Cases the fuzzing of the pure core (pure-core.test.ts) found, kept as a table.
import { describe, expect, it } from 'vitest';
import type { Hub } from '../../../src/api/index.ts';
import { accrueAvoidedEmissions, type AvoidedEmissions } from '../../../src/controllers/factoryworkload/avoided-emissions.ts';
import { desiredHubStatus } from '../../../src/controllers/hub/status.ts';
import { hubCapacity } from '../../../src/model/capacity.ts';
import { eligibleHubs } from '../../../src/model/eligibility.ts';
import { labelKeyProblem, nodeSelectorProblem } from '../../../src/model/label-selector.ts';
import type { LabelSelector } from '../../../src/api/generated/index.ts';
import { factoryWorkload, node } from '../model/fixtures.ts';

describe('label keys a node affinity can carry', () => {
  it.each([
    ['westward.io/hub', true],
    ['gpu', true],
    ['a', true],
    ['A_b.c-1', true],
    ['k8s.io/a', true],
    ['x'.repeat(63), true],
    ['', false],
    ['x'.repeat(64), false],
    ['a b', false],
    ['-a', false],
    ['a/', false],
    ['/a', false],
    ['a/b/c', false],
    ['Upper.IO/a', false],
    ['.y<"+9$y', false],
  ])('%j: %s', (key, valid) => {
    expect(labelKeyProblem(key) === undefined).toBe(valid);
    if (!valid) expect(labelKeyProblem(key)).toContain(JSON.stringify(key));
  });
});

function hub(name: string, nodeSelector: LabelSelector): Hub {
  return {
    metadata: { name },
    spec: {
      location: { latitude: 30, longitude: 100 },
      nodeSelector,
      energy: { pue: 1.2, gridCarbonIntensity: 500 },
      forecast: { provider: 'Static', static: { renewableShare: 0.5, carbonIntensity: 200 } },
      network: [{ from: 'foshan', rttMs: 10 }],
    },
  };
}

describe('a Hub whose node selector cannot be written as node affinity', () => {
  // Found by fuzzing: such a key went into every eligible workload's required node affinity,
  // and the API server refused the whole write, so no workload that could reach it was placed.
  it.each<[string, LabelSelector]>([
    ['an empty matchLabels key', { matchLabels: { '': 'a' } }],
    ['a matchLabels key with a space', { matchLabels: { 'a b': 'x' } }],
    ['a DoesNotExist on a key with symbols (it matches every node)', { matchExpressions: [{ key: 'P\\ |', operator: 'DoesNotExist' }] }],
  ])('with %s is not eligible, and its status says why', (_name, selector) => {
    const bad = hub('bad', selector);
    const good = hub('good', { matchLabels: { 'westward.io/hub': 'good' } });
    expect(nodeSelectorProblem(selector)).toBeDefined();
    expect(eligibleHubs(factoryWorkload('w', 'foshan', 50), [bad, good])).toEqual(['good']);
    const nodes = [node('n1', {}, { cpu: '8', memory: '32Gi' })];
    const { status } = desiredHubStatus({
      generation: 1,
      previous: undefined,
      capacity: hubCapacity(bad, nodes, []),
      nodeSelector: bad.spec.nodeSelector,
      effective: { source: 'DeclaredGrid', forecast: null, ageMs: null, message: 'none' },
      lastError: null,
      current: undefined,
      now: new Date(Date.UTC(2026, 11, 1)),
    });
    const ready = status.conditions?.find((c) => c.type === 'Ready');
    expect(ready).toMatchObject({ status: 'False', reason: 'InvalidNodeSelector' });
    expect(ready?.message).toContain('spec.nodeSelector');
  });
});

describe('an avoided-emissions record read back from status with a field missing', () => {
  // Found by fuzzing: the CRD makes every field optional, and a record without grams accrued
  // NaN, which JSON sends as null and the API server refuses, so the status was never written.
  const now = new Date(Date.UTC(2026, 11, 1, 12));
  const hour = (h: number): string => new Date(Date.UTC(2026, 11, 1, h)).toISOString();
  const hub = { carbonIntensity: 500, pue: 1.2 };
  it.each<[string, Partial<AvoidedEmissions>]>([
    ['no grams', { since: hour(0), accountedUntil: hour(1) }],
    ['no since', { grams: 10, accountedUntil: hour(1) }],
    ['no accountedUntil', { grams: 10, since: hour(0) }],
    ['an unreadable accountedUntil', { grams: 10, since: hour(0), accountedUntil: 'yesterday' }],
    ['nothing', {}],
  ])('with %s starts a new record from now', (_name, previous) => {
    const { record } = accrueAvoidedEmissions({ previous, now, stepMs: 900_000, replicas: 2, powerPerReplicaW: 700, actual: hub, nearest: { ...hub, carbonIntensity: 600 } });
    expect(record).toEqual({ grams: 0, since: now.toISOString(), accountedUntil: now.toISOString() });
  });

  it('a whole record goes on accruing', () => {
    const { record } = accrueAvoidedEmissions({ previous: { grams: 10, since: hour(0), accountedUntil: hour(11) }, now, stepMs: 3_600_000, replicas: 1, powerPerReplicaW: 1000, actual: hub, nearest: { ...hub, carbonIntensity: 600 } });
    // 1 kWh × PUE 1.2 × (600 − 500) g/kWh over the one hour due
    expect(record).toEqual({ grams: 130, since: hour(0), accountedUntil: hour(12) });
  });
});

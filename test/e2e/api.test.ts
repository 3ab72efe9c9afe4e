// The CRDs against the real API server: every sample is accepted, every invalid object is
// refused with a message that names the offending field and never reaches storage, defaults
// match src/api/defaults.ts, and kubectl explains and lists the resources.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { withFactoryWorkloadDefaults, withHubDefaults } from '../../src/api/defaults.ts';
import type { FactoryWorkload, Hub } from '../../src/api/index.ts';
import { future, invalid, set, validHub as hubBase, validWorkload as workloadBase } from '../unit/api/invalid-objects.ts';
import { createNamespace, eventually, kubectl } from './support/kube.ts';

const root = path.resolve(import.meta.dirname, '../..');
const suffix = randomBytes(3).toString('hex');
let namespace = '';
const validHub = (name: string): Hub => hubBase(name, suffix);
const validWorkload = (name: string): FactoryWorkload => workloadBase(name, namespace);

beforeAll(async () => {
  const applied = await kubectl(['apply', '--server-side', '-k', path.join(root, 'config/crd')]);
  expect(applied.stderr).toBe('');
  expect(applied.code).toBe(0);
  const established = await kubectl([
    'wait', '--for=condition=Established', '--timeout=60s', 'crd/hubs.westward.io', 'crd/factoryworkloads.westward.io',
  ]);
  expect(established.code, established.stderr).toBe(0);
  namespace = await createNamespace('api');
});

afterAll(async () => {
  await kubectl(['delete', 'namespace', namespace, '--wait=false', '--ignore-not-found']);
});

describe('samples', () => {
  afterAll(async () => {
    // Wait, so that a run right after this one does not meet its namespaces still terminating.
    await kubectl(['delete', '-k', path.join(root, 'config/samples'), '--ignore-not-found', '--timeout=120s']);
  });

  it('are all accepted by the API server', async () => {
    const applied = await kubectl(['apply', '--server-side', '-k', path.join(root, 'config/samples')]);
    expect(applied.stderr).toBe('');
    expect(applied.code).toBe(0);
    const hubs = await kubectl(['get', 'hubs', '-o', 'name']);
    expect(hubs.stdout.split('\n').filter((l) => l.startsWith('hub.westward.io/')).length).toBeGreaterThanOrEqual(8);
    const fws = await kubectl(['get', 'fw', '-A', '-o', 'name']);
    expect(fws.stdout.split('\n').filter((l) => l.startsWith('factoryworkload.westward.io/')).length).toBeGreaterThanOrEqual(6);
  });

  it('are listed with the documented columns', async () => {
    const hubs = await kubectl(['get', 'hub']);
    expect(hubs.code, hubs.stderr).toBe(0);
    expect(hubs.stdout.split('\n')[0]?.split(/\s{2,}/)).toEqual(['NAME', 'RENEWABLE', 'CARBON', 'GPU FREE', 'FORECAST', 'FETCHED', 'READY', 'AGE']);
    expect(hubs.stdout).toContain('gansu-qingyang');
    const fws = await kubectl(['get', 'fw', '-n', 'factory-foshan']);
    expect(fws.stdout.split('\n')[0]?.split(/\s{2,}/)).toEqual(['NAME', 'TARGET', 'HUB', 'RENEWABLE', 'MODE', 'PLACED', 'AGE']);
    expect(fws.stdout).toMatch(/weld-seam-inspection\s+weld-qc\s+.*Enforce/);
    const wide = await kubectl(['get', 'fw', '-n', 'factory-foshan', '-o', 'wide']);
    expect(wide.stdout.split('\n')[0]).toMatch(/KIND\s+REGION\s+BUDGET\s+REASON\s+AGE/);
    const both = await kubectl(['get', 'westward', '-A']);
    expect(both.stdout).toContain('hub.westward.io/gansu-qingyang');
    expect(both.stdout).toContain('factoryworkload.westward.io/weld-seam-inspection');
  });
});

describe('invalid objects', () => {
  it('the table covers at least 25 cases', () => {
    expect(invalid.length).toBeGreaterThanOrEqual(25);
  });

  it.each(invalid.map((c, i) => [c.what, i, c] as const))('%s is refused and never stored', async (_what, i, c) => {
    const object: Hub | FactoryWorkload = c.kind === 'Hub' ? validHub(`bad-${i}-${suffix}`) : validWorkload(`bad-${i}`);
    for (const [field, value] of Object.entries(c.changes)) set(object, field, structuredClone(value));
    const name = object.metadata?.name ?? '';
    const result = await kubectl(['apply', '--server-side', '-f', '-'], { input: stringify(object) });
    expect(result.code).not.toBe(0);
    // Validation says "is invalid"; server-side apply refuses wrong types and duplicate list keys
    // earlier, when it builds the typed patch, naming the field just the same.
    expect(result.stderr).toMatch(/is invalid|failed to create typed patch object/);
    expect(result.stderr).toMatch(c.says);
    const get = await kubectl(c.kind === 'Hub' ? ['get', 'hub', name] : ['get', 'fw', name, '-n', namespace]);
    expect(get.code).not.toBe(0);
    expect(get.stderr).toMatch(/NotFound|not found/);
  });
});

describe('valid objects', () => {
  const created: string[][] = [];
  afterAll(async () => {
    for (const args of created) await kubectl(['delete', '--ignore-not-found', '--wait=false', ...args]);
  });

  async function apply(object: Hub | FactoryWorkload): Promise<Record<string, unknown>> {
    const result = await kubectl(['apply', '--server-side', '-o', 'json', '-f', '-'], { input: stringify(object) });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const name = object.metadata?.name ?? '';
    created.push(object.kind === 'Hub' ? ['hub', name] : ['fw', name, '-n', namespace]);
    return JSON.parse(result.stdout) as Record<string, unknown>;
  }

  it('get the same defaults from the API server as from withHubDefaults', async () => {
    const hub = validHub(`defaults-${suffix}`);
    const stored = (await apply(hub)) as unknown as Hub;
    expect(stored.spec).toEqual(withHubDefaults(hub).spec);
    // And the contract's values, independently of both.
    expect(stored.spec.forecast).toMatchObject({ refreshInterval: '15m', maxStaleness: '3h' });
  });

  it('get the same defaults from the API server as from withFactoryWorkloadDefaults', async () => {
    const fw = validWorkload('defaults');
    const stored = (await apply(fw)) as unknown as FactoryWorkload;
    expect(stored.spec).toEqual(withFactoryWorkloadDefaults(fw).spec);
    expect(stored.spec.placement).toEqual({ mode: 'Enforce', minDwell: '30m', minImprovement: 0.1 });
  });

  it.each([
    ['ElectricityMaps with zone and token', { 'spec.forecast.provider': 'ElectricityMaps', 'spec.forecast.zone': 'CN-NW', 'spec.forecast.credentialsSecretRef': { namespace: 'westward-system', name: 'em', key: 'token' } }],
    ['CarbonAwareSDK with zone, no token', { 'spec.forecast.provider': 'CarbonAwareSDK', 'spec.forecast.zone': 'eastasia' }],
    ['Static points', { 'spec.forecast.provider': 'Static', 'spec.forecast.static': { points: [{ start: future(0), end: future(1), renewableShare: 0.4, carbonIntensity: 340 }, { start: future(1), end: future(2), renewableShare: 0.9, carbonIntensity: 60 }] } }],
    ['compound durations', { 'spec.forecast.refreshInterval': '1m30s', 'spec.forecast.maxStaleness': '1h30m' }],
    ['a url and a selector by expression', { 'spec.forecast.url': 'http://127.0.0.1:8080', 'spec.nodeSelector': { matchExpressions: [{ key: 'westward.io/hub', operator: 'Exists' }] } }],
  ])('accepts %s', async (_what, changes) => {
    const hub = validHub(`ok-${randomBytes(2).toString('hex')}-${suffix}`);
    for (const [field, value] of Object.entries(changes)) set(hub, field, value);
    await apply(hub);
  });

  it('refuses to change a workload\'s target', async () => {
    await apply(validWorkload('retarget'));
    const patch = JSON.stringify({ spec: { targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'other' } } });
    const result = await kubectl(['patch', 'fw', 'retarget', '-n', namespace, '--type=merge', '-p', patch]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/spec\.targetRef.*immutable/);
  });
});

describe('kubectl explain', () => {
  it('teaches hub.spec.forecast from the descriptions', async () => {
    const out = await eventually('explain hub.spec.forecast', async () => {
      const r = await kubectl(['explain', 'hub.spec.forecast']);
      return r.code === 0 ? r.stdout.replace(/\s+/g, ' ') : undefined;
    });
    expect(out).toMatch(/maxStaleness <string>/);
    expect(out).toContain('How long the last good forecast is trusted');
    expect(out).toMatch(/provider <string> -required-/);
    expect(out).toContain('OpenMeteo');
  });

  it('teaches fw.spec.placement from the descriptions', async () => {
    const out = await eventually('explain fw.spec.placement', async () => {
      const r = await kubectl(['explain', 'fw.spec.placement']);
      return r.code === 0 ? r.stdout.replace(/\s+/g, ' ') : undefined;
    });
    expect(out).toMatch(/minDwell <string>/);
    expect(out).toContain('Shadow decides and reports');
    expect(out).toContain('hubSelector');
  });
});

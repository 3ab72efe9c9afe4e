import { describe, expect, it } from 'vitest';
import { hubCapacity } from '../../../src/model/capacity.ts';
import { toPlannerHub, toPlannerWorkload } from '../../../src/model/planner-input.ts';
import { factoryWorkload, hub, node } from './fixtures.ts';

const hubs = [hub('near', { guangdong: 10 }), hub('far', { guangdong: 50 })];

describe('toPlannerWorkload', () => {
  it('takes replicas and demand from the target and placement defaults from the API', () => {
    const fw = factoryWorkload('weld', 'guangdong', 40);
    const target = {
      kind: 'Deployment',
      metadata: { name: 'weld', namespace: 'plant' },
      spec: { replicas: 3, template: { spec: { containers: [{ resources: { requests: { cpu: '2', 'nvidia.com/gpu': '1' } } }] } } },
    };
    expect(toPlannerWorkload(fw, target, hubs)).toEqual({
      key: 'plant/weld',
      replicas: 3,
      perReplica: { gpu: 1, cpuMilli: 2000, memoryBytes: 0 },
      powerPerReplicaW: 700,
      eligibleHubs: ['near'],
      currentHub: null,
      lastMoveMs: null,
      minDwellMs: 30 * 60_000,
      minImprovement: 0.1,
      mode: 'Enforce',
    });
  });

  it('reads the placement fields and carries the current state over', () => {
    const fw = factoryWorkload('weld', 'guangdong', 60, { mode: 'Shadow', minDwell: '1h30m', minImprovement: 0.25 });
    const planned = toPlannerWorkload(fw, { kind: 'Deployment', spec: {} }, hubs, { currentHub: 'far', lastMoveMs: 5 });
    expect(planned).toMatchObject({ replicas: 1, eligibleHubs: ['near', 'far'], currentHub: 'far', lastMoveMs: 5, minDwellMs: 5_400_000, minImprovement: 0.25, mode: 'Shadow' });
  });
});

describe('toPlannerHub', () => {
  it('serves the base load from the renewable output first', () => {
    const h = hub('near', {});
    h.spec.energy.baseLoadMW = 30;
    const capacity = hubCapacity(h, [node('n', { 'westward.io/hub': 'near' }, { cpu: '8', 'nvidia.com/gpu': '2' })], []);
    const planned = toPlannerHub(h, capacity, [
      { startMs: 0, endMs: 1, carbonIntensity: 100, renewableShare: 0.5, renewableMW: 50 },
      { startMs: 1, endMs: 2, carbonIntensity: 100, renewableShare: 0.5, renewableMW: 10 },
      { startMs: 2, endMs: 3, carbonIntensity: 300, renewableShare: 0.2, renewableMW: null },
    ]);
    expect(planned.name).toBe('near');
    expect(planned.pue).toBe(1.2);
    expect(planned.gridCarbonIntensity).toBe(500);
    expect(planned.free).toEqual({ gpu: 2, cpuMilli: 8000, memoryBytes: 0 });
    expect(planned.slots.map((s) => s.renewableMW)).toEqual([20, 0, null]);
  });
});

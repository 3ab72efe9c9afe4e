import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { hubCapacity } from '../../../src/model/capacity.ts';
import { hub, node, pod } from './fixtures.ts';

const gansu = hub('gansu', {});
const gi = 1024 ** 3;

describe('hubCapacity', () => {
  const nodes = [
    node('g1', { 'westward.io/hub': 'gansu' }, { cpu: '32', memory: '128Gi', 'nvidia.com/gpu': '4' }),
    node('g2', { 'westward.io/hub': 'gansu' }, { cpu: '16000m', memory: '64Gi', 'nvidia.com/gpu': '2' }),
    node('g3-not-ready', { 'westward.io/hub': 'gansu' }, { cpu: '8', memory: '8Gi' }, { ready: false }),
    node('g4-cordoned', { 'westward.io/hub': 'gansu' }, { cpu: '8', memory: '8Gi' }, { unschedulable: true }),
    node('g5-tainted', { 'westward.io/hub': 'gansu' }, { cpu: '8', memory: '8Gi' }, { taints: [{ key: 'x', effect: 'NoExecute' }] }),
    node('g6-prefer', { 'westward.io/hub': 'gansu' }, { cpu: '1', memory: '1Gi' }, { taints: [{ key: 'x', effect: 'PreferNoSchedule' }] }),
    node('n1', { 'westward.io/hub': 'ningxia' }, { cpu: '64', memory: '256Gi', 'nvidia.com/gpu': '8' }),
  ];

  it('sums Ready, schedulable nodes of the hub and subtracts other unfinished pods', () => {
    const pods = [
      pod('other', 'g1', { cpu: '2', memory: '4Gi', 'nvidia.com/gpu': '1' }),
      pod('own', 'g1', { cpu: '4', memory: '8Gi' }, 'Running', { app: 'mine' }),
      pod('done', 'g2', { cpu: '8', memory: '8Gi' }, 'Succeeded'),
      pod('failed', 'g2', { cpu: '8' }, 'Failed'),
      pod('pending-unbound', undefined, { cpu: '8' }, 'Pending'),
      pod('elsewhere', 'n1', { cpu: '8' }),
      pod('on-cordoned', 'g4-cordoned', { cpu: '8' }),
    ];
    const capacity = hubCapacity(gansu, nodes, pods, (p) => p.metadata?.labels?.app === 'mine');
    expect(capacity.nodes).toEqual(['g1', 'g2', 'g6-prefer']);
    expect(capacity.allocatable).toEqual({ gpu: 6, cpuMilli: 49_000, memoryBytes: 193 * gi });
    expect(capacity.requestedByOthers).toEqual({ gpu: 1, cpuMilli: 2000, memoryBytes: 4 * gi });
    expect(capacity.free).toEqual({ gpu: 5, cpuMilli: 47_000, memoryBytes: 189 * gi });
  });

  it('an empty nodeSelector selects no node', () => {
    const capacity = hubCapacity({ ...gansu, spec: { ...gansu.spec, nodeSelector: {} } }, nodes, []);
    expect(capacity.nodes).toEqual([]);
    expect(capacity.free).toEqual({ gpu: 0, cpuMilli: 0, memoryBytes: 0 });
  });

  it('free never goes below zero and never exceeds allocatable', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ cpu: fc.integer({ min: 0, max: 40 }), onG1: fc.boolean(), finished: fc.boolean() })), (specs) => {
        const pods = specs.map((s, i) => pod(`p${i}`, s.onG1 ? 'g1' : 'n1', { cpu: String(s.cpu) }, s.finished ? 'Succeeded' : 'Running'));
        const capacity = hubCapacity(gansu, nodes, pods);
        const used = specs.filter((s) => s.onG1 && !s.finished).reduce((sum, s) => sum + s.cpu * 1000, 0);
        expect(capacity.free.cpuMilli).toBe(Math.max(0, 49_000 - used));
        expect(capacity.free.cpuMilli).toBeLessThanOrEqual(capacity.allocatable.cpuMilli);
      }),
    );
  });
});

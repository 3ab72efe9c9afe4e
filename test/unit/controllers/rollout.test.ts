import { describe, expect, it } from 'vitest';
import { rolloutComplete } from '../../../src/controllers/factoryworkload/rollout.ts';

describe('rolloutComplete', () => {
  it.each([
    ['Deployment done', { kind: 'Deployment', metadata: { generation: 2 }, spec: { replicas: 3 }, status: { observedGeneration: 2, replicas: 3, updatedReplicas: 3, availableReplicas: 3 } }, true],
    ['Deployment not observed yet', { kind: 'Deployment', metadata: { generation: 3 }, spec: { replicas: 3 }, status: { observedGeneration: 2, replicas: 3, updatedReplicas: 3, availableReplicas: 3 } }, false],
    ['Deployment with old pods left', { kind: 'Deployment', metadata: { generation: 2 }, spec: { replicas: 3 }, status: { observedGeneration: 2, replicas: 4, updatedReplicas: 3, availableReplicas: 3 } }, false],
    ['Deployment not yet available', { kind: 'Deployment', metadata: { generation: 2 }, spec: { replicas: 3 }, status: { observedGeneration: 2, replicas: 3, updatedReplicas: 3, availableReplicas: 2 } }, false],
    ['Deployment scaled to zero', { kind: 'Deployment', metadata: { generation: 2 }, spec: { replicas: 0 }, status: { observedGeneration: 2 } }, true],
    ['StatefulSet done', { kind: 'StatefulSet', metadata: { generation: 1 }, spec: { replicas: 2 }, status: { observedGeneration: 1, updatedReplicas: 2, readyReplicas: 2, currentRevision: 'a', updateRevision: 'a' } }, true],
    ['StatefulSet mid-update', { kind: 'StatefulSet', metadata: { generation: 1 }, spec: { replicas: 2 }, status: { observedGeneration: 1, updatedReplicas: 2, readyReplicas: 2, currentRevision: 'a', updateRevision: 'b' } }, false],
  ])('%s', (_name, target, expected) => {
    expect(rolloutComplete(target)).toBe(expected);
  });
});

import { describe, expect, it } from 'vitest';
import { workloadDemand } from '../../../src/model/demand.ts';

const gi = 1024 ** 3;

describe('workloadDemand', () => {
  it('sums container requests', () => {
    expect(
      workloadDemand({
        spec: {
          containers: [
            { resources: { requests: { cpu: '500m', memory: '1Gi', 'nvidia.com/gpu': '1' } } },
            { resources: { requests: { cpu: '250m', memory: '512Mi' } } },
          ],
        },
      }),
    ).toEqual({ gpu: 1, cpuMilli: 750, memoryBytes: 1.5 * gi });
  });

  it('falls back to limits per resource where no request is set', () => {
    expect(
      workloadDemand({ spec: { containers: [{ resources: { requests: { cpu: '1' }, limits: { cpu: '2', memory: '2Gi', 'nvidia.com/gpu': 1 } } }] } }),
    ).toEqual({ gpu: 1, cpuMilli: 1000, memoryBytes: 2 * gi });
  });

  it('takes the larger of the app containers and any init container', () => {
    // app: 1 cpu, 1Gi; init: 3 cpu, 512Mi -> max per resource: 3 cpu, 1Gi
    expect(
      workloadDemand({
        spec: {
          initContainers: [{ resources: { requests: { cpu: '3', memory: '512Mi' } } }, { resources: { requests: { cpu: '1' } } }],
          containers: [{ resources: { requests: { cpu: '1', memory: '1Gi' } } }],
        },
      }),
    ).toEqual({ gpu: 0, cpuMilli: 3000, memoryBytes: gi });
  });

  it('adds sidecars to the app containers and under later init containers, plus the overhead', () => {
    // sidecar 1 cpu; init after it 2 cpu -> 3; app 1 cpu + sidecar = 2; max = 3; overhead 100m
    expect(
      workloadDemand({
        spec: {
          initContainers: [
            { restartPolicy: 'Always', resources: { requests: { cpu: '1' } } },
            { resources: { requests: { cpu: '2' } } },
          ],
          containers: [{ resources: { requests: { cpu: '1' } } }],
          overhead: { cpu: '100m' },
        },
      }),
    ).toEqual({ gpu: 0, cpuMilli: 3100, memoryBytes: 0 });
  });

  it('an empty template asks for nothing', () => {
    expect(workloadDemand(undefined)).toEqual({ gpu: 0, cpuMilli: 0, memoryBytes: 0 });
  });
});

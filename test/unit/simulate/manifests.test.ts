import { describe, expect, it } from 'vitest';
import { parseManifests } from '../../../src/simulate/manifests.ts';
import { buildScenario, ScenarioError } from '../../../src/simulate/scenario.ts';

const text = `
apiVersion: westward.io/v1alpha1
kind: Hub
metadata: {name: gansu}
spec:
  location: {latitude: 35.7, longitude: 107.6}
  nodeSelector: {matchLabels: {westward.io/hub: gansu}}
  energy: {pue: 1.15, gridCarbonIntensity: 560}
  forecast: {provider: Static}
  network: [{from: guangdong, rttMs: 40}]
---
apiVersion: v1
kind: Node
metadata: {name: g0, labels: {westward.io/hub: gansu}}
status: {allocatable: {cpu: "64", memory: 256Gi, nvidia.com/gpu: "8"}}
---
apiVersion: v1
kind: Node
metadata: {name: g1, labels: {westward.io/hub: gansu}}
status:
  allocatable: {cpu: "64", nvidia.com/gpu: "8"}
  conditions: [{type: Ready, status: "False"}]
---
apiVersion: v1
kind: Namespace
metadata: {name: plant}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: qc, namespace: plant}
spec:
  replicas: 3
  template: {spec: {containers: [{name: m, resources: {requests: {cpu: "2", nvidia.com/gpu: "1"}}}]}}
---
apiVersion: westward.io/v1alpha1
kind: FactoryWorkload
metadata: {name: qc, namespace: plant}
spec:
  targetRef: {apiVersion: apps/v1, kind: StatefulSet, name: qc}
  factory: {region: guangdong}
  latencyBudgetMs: 45
  powerPerReplicaW: 700
`;

describe('manifests', () => {
  it('builds the scenario from multi-document YAML, with the CRD defaults and declared nodes Ready', () => {
    const objects = parseManifests(text, 'sample.yaml');
    expect(objects.hubs).toHaveLength(1);
    expect(objects.hubs[0]?.spec.energy.baseLoadMW).toBe(0);
    const scenario = buildScenario(objects);
    // g0 has no conditions (declared: Ready); g1 says it is not Ready
    expect(scenario.hubs[0]?.free).toEqual({ gpu: 8, cpuMilli: 64_000, memoryBytes: 256 * 1024 ** 3 });
    expect(scenario.workloads[0]?.planner).toMatchObject({ key: 'plant/qc', replicas: 3, eligibleHubs: ['gansu'], minDwellMs: 1_800_000, minImprovement: 0.1 });
  });

  it('names the file of a YAML error and a missing target', () => {
    expect(() => parseManifests('kind: Hub\nspec: [unclosed', 'broken.yaml')).toThrow(/broken\.yaml/);
    const objects = parseManifests(text.replace('kind: StatefulSet, name: qc', 'kind: Deployment, name: qc'), 'x.yaml');
    expect(() => buildScenario(objects)).toThrow(ScenarioError);
    expect(() => buildScenario(objects)).toThrow(/target Deployment plant\/qc not found/);
  });
});

// The few fields of Kubernetes and Westward objects that the conversions read, as structural
// types: plain objects parsed from YAML and the client library's models both fit them.

export interface ObjectMeta {
  name?: string;
  namespace?: string;
  labels?: Record<string, string>;
  uid?: string;
  creationTimestamp?: Date | string;
  deletionTimestamp?: Date | string;
}

export type LabelSelectorOperator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';

export interface LabelSelectorRequirement {
  key: string;
  operator: string;
  values?: string[];
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

export type QuantityMap = Record<string, string | number>;

export interface ResourceRequirements {
  requests?: QuantityMap;
  limits?: QuantityMap;
}

export interface Container {
  name?: string;
  resources?: ResourceRequirements;
  /** "Always" on an init container makes it a sidecar that runs beside the app containers */
  restartPolicy?: string;
}

export interface PodSpec {
  nodeName?: string;
  containers?: Container[];
  initContainers?: Container[];
  overhead?: QuantityMap;
}

export interface PodTemplateSpec {
  metadata?: ObjectMeta;
  spec?: PodSpec;
}

export interface Pod {
  metadata?: ObjectMeta;
  spec?: PodSpec;
  status?: { phase?: string; conditions?: { type?: string; status?: string }[] };
}

export interface Taint {
  key?: string;
  effect?: string;
}

export interface NodeCondition {
  type?: string;
  status?: string;
}

export interface Node {
  metadata?: ObjectMeta;
  spec?: { unschedulable?: boolean; taints?: Taint[] };
  status?: { allocatable?: QuantityMap; conditions?: NodeCondition[] };
}

/** A Deployment or StatefulSet: what a FactoryWorkload targets. */
export interface WorkloadTarget {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
  spec?: { replicas?: number; template?: PodTemplateSpec };
}

export interface HubNetworkEntry {
  from: string;
  rttMs: number;
}

export interface Hub {
  metadata?: ObjectMeta;
  spec: {
    location?: { latitude: number; longitude: number };
    nodeSelector: LabelSelector;
    energy: { pue: number; gridCarbonIntensity: number; baseLoadMW?: number; renewables?: { solarMW?: number; windMW?: number } };
    network?: HubNetworkEntry[];
  };
}

export interface FactoryWorkload {
  metadata?: ObjectMeta;
  spec: {
    targetRef: { apiVersion?: string; kind: string; name: string };
    factory: { region: string };
    latencyBudgetMs: number;
    powerPerReplicaW: number;
    placement?: {
      mode?: string;
      hubSelector?: LabelSelector;
      minDwell?: string;
      minImprovement?: number;
    };
  };
}

// Names of the Westward API: group, version, kinds, and the labels, annotations, finalizer and
// condition types Westward reads and writes. One place, so no string is spelled twice.
import type { HubForecastProvider, HubStatusForecastSource } from './generated/index.ts';

export const group = 'westward.io';
export const version = 'v1alpha1';
export const apiVersion = `${group}/${version}`;

export const hubKind = 'Hub';
export const hubPlural = 'hubs';
export const factoryWorkloadKind = 'FactoryWorkload';
export const factoryWorkloadPlural = 'factoryworkloads';

/** Field manager of every server-side apply Westward makes. */
export const fieldManager = 'westward';

/** Finalizer on a FactoryWorkload: Westward removes the node affinity it wrote before it goes. */
export const affinityFinalizer = `${group}/node-affinity`;

export const labels = {
  /** On Nodes (samples, kwok): the Hub the node belongs to. Hubs select nodes by their own nodeSelector. */
  hub: `${group}/hub`,
  /** On pods and targets: the FactoryWorkload that places them. */
  factoryWorkload: `${group}/factory-workload`,
} as const;

export const annotations = {
  /** On a target: the hub Westward planned for it, for people reading the Deployment. */
  plannedHub: `${group}/planned-hub`,
  /** On a target: the FactoryWorkload (namespace/name) that manages its node affinity. */
  managedBy: `${group}/managed-by`,
} as const;

export const hubConditions = { ready: 'Ready', forecastFresh: 'ForecastFresh' } as const;
export const factoryWorkloadConditions = {
  placed: 'Placed',
  targetFound: 'TargetFound',
  forecastFresh: 'ForecastFresh',
} as const;

/** Providers in the order the CRD lists them. */
export const forecastProviders = [
  'OpenMeteo',
  'ElectricityMaps',
  'WattTime',
  'CarbonAwareSDK',
  'UKCarbonIntensity',
  'Static',
] as const satisfies readonly HubForecastProvider[];

/** Providers that report for a zone of their own and so need spec.forecast.zone. */
export const zonedProviders = [
  'ElectricityMaps',
  'WattTime',
  'CarbonAwareSDK',
  'UKCarbonIntensity',
] as const satisfies readonly HubForecastProvider[];

/** Providers that need an API token (spec.forecast.credentialsSecretRef). */
export const credentialedProviders = ['ElectricityMaps', 'WattTime'] as const satisfies readonly HubForecastProvider[];

export const forecastSources = ['Live', 'LastGood', 'DeclaredGrid'] as const satisfies readonly HubStatusForecastSource[];

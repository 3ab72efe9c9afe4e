// What every controller of the operator shares, built once by the composition root.
import type { AppsV1Api, CoreV1Api, CustomObjectsApi, V1Deployment, V1Node, V1StatefulSet } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { FactoryWorkload, Hub } from '../api/index.ts';
import type { Pod } from '../model/kube.ts';
import type { Clock } from '../runtime/clock.ts';
import type { EventRecorder } from '../runtime/events.ts';
import type { Informer, InformerCache, KubeObject } from '../runtime/informer.ts';

export interface Informers {
  hubs: Informer<Hub>;
  factoryWorkloads: Informer<FactoryWorkload>;
  nodes: Informer<V1Node>;
  /** with a namespace scope (--namespace), these three watch only those namespaces */
  pods: InformerCache<Pod & KubeObject>;
  deployments: InformerCache<V1Deployment>;
  statefulSets: InformerCache<V1StatefulSet>;
}

export interface OperatorContext {
  informers: Informers;
  apps: AppsV1Api;
  /** pod evictions only, when settling */
  core: CoreV1Api;
  custom: CustomObjectsApi;
  clock: Clock;
  logger: Logger;
  registry: Registry;
  events: EventRecorder;
}

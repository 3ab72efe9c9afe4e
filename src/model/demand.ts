// What one replica of a workload asks the scheduler for, computed as the kube-scheduler does:
// app containers (and sidecars) summed, each regular init container on top of the sidecars
// started before it, the larger of the two, plus the pod overhead.
import type { Resources } from '../placement/types.ts';
import type { Container, PodSpec, PodTemplateSpec, QuantityMap } from './kube.ts';
import { addResources, maxResources, noResources, resourcesOf } from './resources.ts';

/** A container's request per resource, falling back to its limit where no request is set. */
export function containerRequest(container: Container): Resources {
  const requests = container.resources?.requests ?? {};
  const limits = container.resources?.limits ?? {};
  const effective: QuantityMap = { ...limits, ...requests };
  return resourcesOf(effective);
}

export function podSpecRequest(spec: PodSpec | undefined): Resources {
  let sidecars = noResources;
  let initPeak = noResources;
  for (const init of spec?.initContainers ?? []) {
    const request = containerRequest(init);
    if (init.restartPolicy === 'Always') {
      sidecars = addResources(sidecars, request);
      initPeak = maxResources(initPeak, sidecars);
    } else {
      initPeak = maxResources(initPeak, addResources(sidecars, request));
    }
  }
  const app = (spec?.containers ?? []).reduce((sum, c) => addResources(sum, containerRequest(c)), sidecars);
  return addResources(maxResources(app, initPeak), resourcesOf(spec?.overhead));
}

/** Per-replica resources of a Deployment's or StatefulSet's pod template. */
export function workloadDemand(template: PodTemplateSpec | undefined): Resources {
  return podSpecRequest(template?.spec);
}

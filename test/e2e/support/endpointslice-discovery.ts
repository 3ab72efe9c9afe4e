// Prometheus' Kubernetes discovery (role: endpointslice) as an HTTP service discovery endpoint.
// Debian's Prometheus is built without Kubernetes discovery, so this reads the real
// EndpointSlices and Services from the API server and serves each endpoint and port as a target
// with the __meta_kubernetes_* labels Prometheus would give it; the scrape job's own
// relabel_configs then run unchanged in the real Prometheus.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CoreV1Api, DiscoveryV1Api } from '@kubernetes/client-node';
import { kubeConfig } from './kube.ts';

export interface Discovery {
  url: string;
  close: () => Promise<void>;
}

interface TargetGroup {
  targets: string[];
  labels: Record<string, string>;
}

async function targetGroups(namespaces: string[]): Promise<TargetGroup[]> {
  const kc = kubeConfig();
  const discovery = kc.makeApiClient(DiscoveryV1Api);
  const core = kc.makeApiClient(CoreV1Api);
  const groups: TargetGroup[] = [];
  for (const namespace of namespaces) {
    const [slices, services] = await Promise.all([discovery.listNamespacedEndpointSlice({ namespace }), core.listNamespacedService({ namespace })]);
    for (const slice of slices.items) {
      const serviceName = slice.metadata?.labels?.['kubernetes.io/service-name'];
      // Prometheus adds the service's labels only when the Service exists.
      const service = services.items.find((s) => s.metadata?.name === serviceName);
      for (const endpoint of slice.endpoints ?? []) {
        for (const port of slice.ports ?? []) {
          for (const address of endpoint.addresses) {
            const labels: Record<string, string> = {
              __meta_kubernetes_namespace: namespace,
              __meta_kubernetes_endpointslice_name: slice.metadata?.name ?? '',
              __meta_kubernetes_endpointslice_address_type: slice.addressType,
              __meta_kubernetes_endpointslice_port: String(port.port ?? ''),
              __meta_kubernetes_endpointslice_port_name: port.name ?? '',
              __meta_kubernetes_endpointslice_port_protocol: port.protocol ?? '',
              __meta_kubernetes_endpointslice_endpoint_conditions_ready: String(endpoint.conditions?.ready ?? false),
            };
            if (service !== undefined) labels.__meta_kubernetes_service_name = serviceName ?? '';
            if (endpoint.targetRef?.kind === 'Pod') labels.__meta_kubernetes_pod_name = endpoint.targetRef.name ?? '';
            groups.push({ targets: [`${address}:${String(port.port ?? '')}`], labels });
          }
        }
      }
    }
  }
  return groups;
}

export async function startEndpointSliceDiscovery(namespaces: string[]): Promise<Discovery> {
  const server = createServer((_req, res) => {
    targetGroups(namespaces)
      .then((groups) => {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(groups));
      })
      .catch((error: unknown) => {
        res.writeHead(500, { 'content-type': 'text/plain' }).end(error instanceof Error ? error.message : String(error));
      });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${String(port)}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}

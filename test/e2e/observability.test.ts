// A real Prometheus (Debian's package) scrapes the real operator through the shipped scrape
// config (config/prometheus/scrape-config.example.yaml: the westward-metrics endpoints in
// westward-system, found through the API, relabelled as shipped) and evaluates the shipped rules, during a
// scenario with a placement, a move and a provider outage. Asserted with PromQL: the series join
// under their own labels, the dashboard's every query returns data, the stale-forecast alert
// fires during the outage and resolves after it, and the recording rules give the avoided
// emissions the FactoryWorkload's status reports.
import { readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import path from 'node:path';
import { CoreV1Api, CustomObjectsApi, DiscoveryV1Api, EventsV1Api, V1MicroTime } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import type { Hub } from '../../src/api/index.ts';
import { startDemoForecastServer, type DemoForecastServer } from '../demo/forecast-server.ts';
import { simClock } from '../demo/sim-clock.ts';
import { startEndpointSliceDiscovery, type Discovery } from './support/endpointslice-discovery.ts';
import { eventually, kubeConfig, kubectlOk } from './support/kube.ts';
import { startOperator, type OperatorProcess } from './support/operator.ts';
import { startPrometheusWith, type PrometheusProcess, type Sample } from './support/prometheus.ts';
import {
  applyCrds,
  createScenario,
  createTargetAndWorkload,
  deleteWorkload,
  factoryWorkload,
  getHub,
  getWorkload,
  targetDeployment,
  waitForPlacement,
  type Scenario,
} from './support/scenario.ts';

const root = path.resolve(import.meta.dirname, '../..');
const read = (relative: string): string => readFileSync(path.join(root, relative), 'utf8');
// The names the shipped scrape config looks for.
const operatorNamespace = 'westward-system';
const metricsService = 'westward-metrics';

const green = { renewableShare: 0.9, carbonIntensity: 100 };
const dirty = { renewableShare: 0.2, carbonIntensity: 500 };

/**
 * Discovered endpoints may not be loopback addresses, so the operator serves metrics on this
 * machine's first non-loopback IPv4 address for the scrape to reach it through the API.
 */
function reachableAddress(): string {
  for (const addresses of Object.values(networkInterfaces())) {
    const found = addresses?.find((a) => a.family === 'IPv4' && !a.internal);
    if (found) return found.address;
  }
  throw new Error('no non-loopback IPv4 address: an EndpointSlice cannot point at loopback');
}

interface ScrapeConfig {
  scrape_interval?: string;
  scrape_timeout?: string;
  kubernetes_sd_configs?: { role: string; namespaces?: { names?: string[] } }[];
  http_sd_configs?: { url: string; refresh_interval: string }[];
}

/**
 * The shipped scrape job at a 1 s interval. Its Kubernetes discovery is served over HTTP (Debian's
 * Prometheus has none built in: support/endpointslice-discovery.ts) from the namespaces it names;
 * its relabel_configs, which set the target labels, stay as shipped.
 */
async function shippedScrapeConfigs(): Promise<{ jobs: ScrapeConfig[]; discovery: Discovery }> {
  const example = parse(read('config/prometheus/scrape-config.example.yaml')) as { scrape_configs: ScrapeConfig[] };
  const sd = example.scrape_configs.flatMap((job) => job.kubernetes_sd_configs ?? []);
  expect(sd.map((c) => c.role)).toEqual(['endpointslice']);
  const discovery = await startEndpointSliceDiscovery(sd.flatMap((c) => c.namespaces?.names ?? []));
  for (const job of example.scrape_configs) {
    job.scrape_interval = '1s';
    job.scrape_timeout = '1s';
    delete job.kubernetes_sd_configs;
    job.http_sd_configs = [{ url: discovery.url, refresh_interval: '1s' }];
  }
  return { jobs: example.scrape_configs, discovery };
}

/** The shipped rules with every holding time cut to 1 s, so alerts follow the scenario's seconds. */
function shippedRulesFast(): string {
  return read('config/prometheus/westward.rules.yaml').replace(/^(\s+)for: \S+$/gm, '$1for: 1s');
}

interface DashboardTarget {
  expr: string;
}
interface DashboardPanel {
  title: string;
  type: string;
  targets?: DashboardTarget[];
}

/** Every panel query, with the hub variable at "All" and Grafana's rate interval as 1 m. */
function dashboardQueries(): { panel: string; expr: string }[] {
  const dashboard = JSON.parse(read('config/grafana/westward-dashboard.json')) as { panels: DashboardPanel[] };
  return dashboard.panels
    .filter((p) => p.type !== 'row')
    .flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr.replaceAll('$hub', '.*').replaceAll('$__rate_interval', '1m') })));
}

describe('observability through a real Prometheus', () => {
  let scenario: Scenario;
  let operator: OperatorProcess;
  let prometheus: PrometheusProcess;
  let weather: DemoForecastServer;
  let discovery: Discovery;
  let ns: string;
  let modelledHub: string;
  const kc = kubeConfig();
  const core = kc.makeApiClient(CoreV1Api);
  const endpointSlices = kc.makeApiClient(DiscoveryV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const hubOf = (name: string): string => scenario.hubs[name] ?? name;
  const samples = (promql: string): Promise<Sample[]> => prometheus.samples(promql);
  const one = async (promql: string): Promise<Sample | undefined> => {
    const found = await samples(promql);
    return found.length === 1 ? found[0] : undefined;
  };

  beforeAll(async () => {
    await applyCrds();
    await core.createNamespace({ body: { metadata: { name: operatorNamespace } } }).catch(() => undefined);
    scenario = await createScenario(
      [
        { name: 'near', rttMs: 20, signal: dirty, nodes: [{ cpu: '8', gpu: 2 }, { cpu: '8', gpu: 2 }] },
        { name: 'far', rttMs: 30, signal: green, nodes: [{ cpu: '8', gpu: 2 }, { cpu: '8', gpu: 2 }] },
      ],
    );
    ns = `obs-${scenario.suffix}`;
    await core.createNamespace({ body: { metadata: { name: ns } } });
    // A weather-modelled hub (Open-Meteo's shape, synthetic weather at noon), for renewable MW.
    // No factory region reaches it, so it takes no part in placement.
    weather = await startDemoForecastServer({ clock: simClock(Date.now(), 12, 3600), seed: 7 });
    modelledHub = `modelled-${scenario.suffix}`;
    const hub: Hub = {
      apiVersion: 'westward.io/v1alpha1',
      kind: 'Hub',
      metadata: { name: modelledHub },
      spec: {
        location: { latitude: 37.5, longitude: 105.2 },
        nodeSelector: { matchLabels: { 'westward.io/e2e-hub': modelledHub } },
        energy: { pue: 1.2, gridCarbonIntensity: 600, baseLoadMW: 100, renewables: { solarMW: 800, windMW: 600 } },
        forecast: { provider: 'OpenMeteo', url: weather.url, refreshInterval: '5s', maxStaleness: '1h' },
        network: [{ from: `nowhere-${scenario.suffix}`, rttMs: 10 }],
      },
    };
    await custom.createClusterCustomObject({ group: 'westward.io', version: 'v1alpha1', plural: 'hubs', body: hub });

    const address = reachableAddress();
    operator = await startOperator({
      namespaces: [ns],
      env: { POD_NAMESPACE: scenario.secretNamespace },
      extra: ['--metrics-bind-address', `${address}:0`, '--accounting-step', '5s'],
    });
    const port = Number(new URL(operator.metricsUrl).port);
    // What the chart's Service and the endpoints controller would give a pod; the operator runs
    // beside the cluster, so its endpoint is declared by hand.
    await core.createNamespacedService({
      namespace: operatorNamespace,
      body: { metadata: { name: metricsService }, spec: { clusterIP: 'None', ports: [{ name: 'metrics', port: 8080, targetPort: port }] } },
    });
    await endpointSlices.createNamespacedEndpointSlice({
      namespace: operatorNamespace,
      body: {
        metadata: { name: `${metricsService}-e2e`, labels: { 'kubernetes.io/service-name': metricsService, 'endpointslice.kubernetes.io/managed-by': 'e2e.westward.io' } },
        addressType: 'IPv4',
        ports: [{ name: 'metrics', port, protocol: 'TCP' }],
        endpoints: [{ addresses: [address], conditions: { ready: true } }],
      },
    });
    const scrape = await shippedScrapeConfigs();
    discovery = scrape.discovery;
    prometheus = await startPrometheusWith({
      'prometheus.yml': stringify({
        global: { scrape_interval: '1s', evaluation_interval: '1s' },
        rule_files: ['westward.rules.yaml'],
        scrape_configs: scrape.jobs,
      }),
      'westward.rules.yaml': shippedRulesFast(),
    });
  }, 180_000);

  afterAll(async () => {
    // Whatever beforeAll got to start.
    await (prometheus as PrometheusProcess | undefined)?.stop();
    await (operator as OperatorProcess | undefined)?.stop();
    await (discovery as Discovery | undefined)?.close();
    await endpointSlices.deleteNamespacedEndpointSlice({ namespace: operatorNamespace, name: `${metricsService}-e2e` }).catch(() => undefined);
    await core.deleteNamespacedService({ namespace: operatorNamespace, name: metricsService }).catch(() => undefined);
    await custom.deleteClusterCustomObject({ group: 'westward.io', version: 'v1alpha1', plural: 'hubs', name: modelledHub }).catch(() => undefined);
    await (weather as DemoForecastServer | undefined)?.close();
    await core.deleteNamespace({ name: ns }).catch(() => undefined);
    await (scenario as Scenario | undefined)?.teardown();
  }, 120_000);

  it('scrapes the operator through the shipped scrape config; workload series keep their own labels', async () => {
    await createTargetAndWorkload(targetDeployment(ns, 'vision', { replicas: 2 }), factoryWorkload(ns, 'vision', scenario.region, { target: 'vision', minDwell: '5s' }));
    await waitForPlacement(ns, 'vision', { [hubOf('far')]: 2 });

    const ready = await eventually('Ready replicas per hub in Prometheus', () =>
      one(`westward_workload_ready_replicas{workload_namespace="${ns}",workload="vision",hub="${hubOf('far')}"} == 2`));
    // The scrape's own labels sit beside the workload's, and nothing was renamed.
    expect(ready.labels).toMatchObject({ job: 'westward', namespace: operatorNamespace, workload_namespace: ns, workload: 'vision' });
    expect(await samples('{__name__=~"westward_.+", exported_namespace!=""}')).toEqual([]);
    expect(await samples('{__name__=~"westward_.+", exported_pod!=""}')).toEqual([]);
    expect((await one(`westward_workload_planned_replicas{workload_namespace="${ns}",workload="vision",hub="${hubOf('far')}"}`))?.value).toBe(2);
    expect((await one(`westward_workload_placed{workload_namespace="${ns}",workload="vision",reason="Placed"}`))?.value).toBe(1);

    const build = await one('westward_build_info');
    expect(build?.value).toBe(1);
    expect(build?.labels).toMatchObject({ version: (JSON.parse(read('package.json')) as { version: string }).version, node_version: process.version });
    // Without --leader-elect the one process leads, and says so on the same series.
    expect((await one('westward_leader_election_is_leader'))?.value).toBe(1);

    for (const hub of [hubOf('near'), hubOf('far'), modelledHub]) {
      await eventually(`${hub} on a live forecast`, async () => ((await one(`westward_forecast_source{hub="${hub}",source="Live"}`))?.value === 1 ? true : undefined), { timeoutMs: 60_000 });
      expect((await samples(`westward_forecast_source{hub="${hub}"}`)).map((s) => s.labels.source).sort()).toEqual(['DeclaredGrid', 'LastGood', 'Live']);
    }
    expect((await samples(`westward_forecast_fetches_total{hub="${hubOf('far')}"}`)).map((s) => s.labels.result)).toEqual(['Success']);
    // The modelled output at noon, as the Hub's status says it (rounded there to 0.1 MW).
    const mw = await eventually('renewable MW of the weather-modelled hub, as in its status', async () => {
      const metric = (await one(`westward_hub_renewable_power_megawatts{hub="${modelledHub}"}`))?.value;
      const status = (await getHub(modelledHub)).status?.now?.renewableMW;
      return metric !== undefined && status !== undefined && Math.abs(metric - status) <= 0.05 ? metric : undefined;
    }, { timeoutMs: 60_000 });
    expect(mw).toBeGreaterThan(0);
    // Before the first scrape the operator is "down"; once it is scraped, neither alert stays.
    await eventually('no operator-down or no-leader alert', async () => ((await samples('ALERTS{alertname=~"WestwardOperatorDown|WestwardNoLeader"}')).length === 0 ? true : undefined), { timeoutMs: 30_000 });
    // Some steps of accounting in the green hub, against the dirtier nearest one.
    await eventually('avoided emissions to accrue', async () => (((await getWorkload(ns, 'vision')).status?.avoidedEmissions?.grams ?? 0) >= 4 ? true : undefined), { timeoutMs: 90_000 });
  }, 180_000);

  it('follows a move: ready and planned replicas in the new hub, none left in the old one, the move counted', async () => {
    scenario.setSignal('near', green);
    scenario.setSignal('far', dirty);
    await waitForPlacement(ns, 'vision', { [hubOf('near')]: 2 }, 120_000);
    const id = `workload_namespace="${ns}",workload="vision"`;
    await eventually('replicas in the new hub only', async () => {
      const ready = await samples(`westward_workload_ready_replicas{${id}}`);
      const planned = await samples(`westward_workload_planned_replicas{${id}}`);
      const where = (s: Sample[]): string => JSON.stringify(s.map((x) => [x.labels.hub, x.value]));
      const want = JSON.stringify([[hubOf('near'), 2]]);
      return where(ready) === want && where(planned) === want ? true : undefined;
    }, { timeoutMs: 60_000 });
    expect((await one(`westward_placement_moves_total{from="${hubOf('far')}",to="${hubOf('near')}"}`))?.value).toBeGreaterThanOrEqual(1);
    const moved = await one(`westward_workload_last_move_timestamp_seconds{${id}}`);
    expect(moved?.labels).toMatchObject({ from: hubOf('far'), to: hubOf('near') });
    const status = (await getWorkload(ns, 'vision')).status;
    expect(moved?.value).toBe(Date.parse(status?.lastMove?.time ?? '') / 1000);
  }, 180_000);

  it('records the avoided emissions the FactoryWorkload status reports (within 1 %)', async () => {
    // In the green far hub it avoided what the nearest hub would have emitted; now in the
    // nearest hub it adds nothing, so the figure holds still.
    const matched = await eventually('the recorded avoided emissions to match status', async () => {
      const grams = (await getWorkload(ns, 'vision')).status?.avoidedEmissions?.grams ?? 0;
      const recorded = (await one(`factory_region:westward_avoided_emissions_grams:sum{factory_region="${scenario.region}"}`))?.value;
      return grams > 0 && recorded !== undefined && Math.abs(recorded - grams) <= 0.01 * grams ? { grams, recorded } : undefined;
    }, { timeoutMs: 90_000 });
    expect(matched.recorded).toBeGreaterThan(0);
    // What the day added stays with the hub where it was earned.
    const perHub = await samples('hub:westward_avoided_emissions_grams:delta1d');
    expect(perHub.find((s) => s.labels.hub === hubOf('far'))?.value).toBeGreaterThan(0);
    // All of it now runs in the green hub (the rules follow the scrape by an evaluation).
    let seen = '';
    await eventually('renewable share of the energy used to be the green hub\'s', async () => {
      const share = await one('westward:energy_renewable_share:ratio');
      seen = JSON.stringify({ share, power: await samples('factory_region_hub:westward_workload_power_watts:sum') });
      return share !== undefined && Math.abs(share.value - green.renewableShare) < 1e-6 ? true : undefined;
    }, { timeoutMs: 30_000 }).catch((error: unknown) => {
      throw new Error(`${(error as Error).message}; last seen ${seen}`);
    });
  }, 120_000);

  it('returns data for every query of the dashboard', async () => {
    const queries = dashboardQueries();
    expect(queries.length).toBeGreaterThan(20);
    const empty = await eventually('every dashboard query to return data', async () => {
      const missing: string[] = [];
      for (const q of queries) if ((await samples(q.expr)).length === 0) missing.push(`${q.panel}: ${q.expr}`);
      return missing.length === 0 ? missing : undefined;
    }, { timeoutMs: 90_000, intervalMs: 2_000 }).catch((error: unknown) => {
      throw new Error(`${(error as Error).message}\n${queries.map((q) => q.expr).join('\n')}`);
    });
    expect(empty).toEqual([]);
  }, 120_000);

  it('fires the stale-forecast alert during an outage of the hub\'s provider and resolves it after', async () => {
    const hub = hubOf('near');
    const firing = `ALERTS{alertname="WestwardForecastStale",alertstate="firing",hub="${hub}"}`;
    expect(await samples(firing)).toEqual([]);
    scenario.server.outage('http503', [hub]);
    await eventually('WestwardForecastStale firing', async () => ((await samples(firing)).length === 1 ? true : undefined), { timeoutMs: 90_000 });
    // Only the hub whose provider is out.
    expect(await samples(`ALERTS{alertname="WestwardForecastStale",hub!="${hub}"}`)).toEqual([]);

    // The Hub's events are in default, the one namespace the API server takes an Event about a
    // cluster-scoped object in, and kubectl describe finds them there.
    const stale = await eventually('the ForecastStale event of the hub', async () => {
      const events = await kc.makeApiClient(EventsV1Api).listEventForAllNamespaces({ fieldSelector: `regarding.name=${hub}` });
      const found = events.items.filter((e) => e.reason === 'ForecastStale');
      return found.length > 0 ? found : undefined;
    });
    expect(stale.map((e) => e.metadata?.namespace)).toEqual(['default']);
    const elsewhere = await kc.makeApiClient(EventsV1Api).createNamespacedEvent({
      namespace: scenario.secretNamespace,
      body: {
        metadata: { generateName: 'hub-event-' },
        eventTime: new V1MicroTime(),
        reportingController: 'westward.io/e2e',
        reportingInstance: 'e2e',
        action: 'Check',
        reason: 'Check',
        type: 'Normal',
        regarding: { apiVersion: 'westward.io/v1alpha1', kind: 'Hub', name: hub },
      },
    }).then(() => 'created', (error: unknown) => String(error));
    expect(elsewhere).toMatch(/does not match event\.namespace/);
    expect(await kubectlOk(['describe', 'hub', hub])).toMatch(/ForecastStale/);

    scenario.server.outage('none');
    await eventually('WestwardForecastStale resolved', async () => ((await samples(`ALERTS{alertname="WestwardForecastStale",hub="${hub}"}`)).length === 0 ? true : undefined), { timeoutMs: 90_000 });
  }, 240_000);

  it('removes every series of a deleted workload', async () => {
    const id = `workload_namespace="${ns}",workload="vision"`;
    expect((await samples(`{${id}}`)).length).toBeGreaterThan(5);
    await deleteWorkload(ns, 'vision');
    await eventually('no series of the deleted workload', async () => ((await samples(`{${id}}`)).length === 0 ? true : undefined), { timeoutMs: 60_000 });
  }, 120_000);
});

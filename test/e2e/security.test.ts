// Security on the real control plane. The operator as a confused deputy: a Hub author points a
// Hub at a server of their own and at a Secret in a namespace they cannot read; the operator must
// say why in the Hub's status and send that server nothing. Then the operator under its own
// shipped RBAC: /metrics behind TokenReview and SubjectAccessReview, and a Secret the API server
// refuses (403) that leaves the forecast as it was.
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { CoreV1Api, CustomObjectsApi, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Hub } from '../../src/api/index.ts';
import { startForecastServer, type ForecastServer } from './support/forecast-server.ts';
import { eventually, kubeConfig, kubectl, kubectlOk } from './support/kube.ts';
import { startOperator, type OperatorProcess } from './support/operator.ts';
import { chartObjects, serviceAccountKubeconfig, shippedIn } from './support/rbac.ts';
import { applyCrds, getHub } from './support/scenario.ts';
import { httpsGet } from '../unit/observability/https-get.ts';

const root = path.resolve(import.meta.dirname, '../..');

const api = { group: 'westward.io', version: 'v1alpha1' };
const suffix = Math.random().toString(16).slice(2, 8);
const victimNamespace = `victim-${suffix}`;
const credentialsNamespace = `westward-creds-${suffix}`;
const victimValue = `victim-db-password-${suffix}`;
const ownToken = `own-token-${suffix}`;
const thiefHub = `thief-${suffix}`;
const controlHub = `control-${suffix}`;

interface Received {
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** A server that records every request and answers like Electricity Maps with an empty forecast. */
async function foreignServer() {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      received.push({ url: req.url ?? '', headers: req.headers, body });
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"no such zone"}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}

function hub(name: string, url: string, ref: { namespace: string; name: string; key: string }): Hub {
  return {
    apiVersion: 'westward.io/v1alpha1',
    kind: 'Hub',
    metadata: { name },
    spec: {
      location: { latitude: 36, longitude: 104 },
      nodeSelector: { matchLabels: { 'westward.io/e2e-hub': name } },
      energy: { pue: 1.2, gridCarbonIntensity: 600 },
      forecast: { provider: 'ElectricityMaps', url, zone: name, credentialsSecretRef: ref, refreshInterval: '5s', maxStaleness: '1h' },
    },
  };
}

const kc = kubeConfig();
const core = kc.makeApiClient(CoreV1Api);
const custom = kc.makeApiClient(CustomObjectsApi);
let server: Awaited<ReturnType<typeof foreignServer>>;
let operator: OperatorProcess | undefined;

describe('credentials without a confused deputy', () => {
  beforeAll(async () => {
    await applyCrds();
    server = await foreignServer();
    for (const [namespace, name, key, value] of [
      [victimNamespace, 'db-creds', 'password', victimValue],
      [credentialsNamespace, 'em', 'token', ownToken],
    ] as const) {
      await core.createNamespace({ body: { metadata: { name: namespace } } });
      await core.createNamespacedSecret({ namespace, body: { metadata: { name }, stringData: { [key]: value } } });
    }
    // The thief names the victim's Secret; the control Hub, the same server, with a Secret where
    // the installer allows credentials, shows that the server is reachable and polled.
    await custom.createClusterCustomObject({ ...api, plural: 'hubs', body: hub(thiefHub, server.url, { namespace: victimNamespace, name: 'db-creds', key: 'password' }) });
    await custom.createClusterCustomObject({ ...api, plural: 'hubs', body: hub(controlHub, server.url, { namespace: credentialsNamespace, name: 'em', key: 'token' }) });
    operator = await startOperator({ namespaces: [credentialsNamespace], credentialsNamespaces: [credentialsNamespace] });
  });

  afterAll(async () => {
    await operator?.stop();
    for (const name of [thiefHub, controlHub]) await custom.deleteClusterCustomObject({ ...api, plural: 'hubs', name }).catch(() => undefined);
    for (const name of [victimNamespace, credentialsNamespace]) await core.deleteNamespace({ name }).catch(() => undefined);
    await server.close();
  });

  it('says in the Hub status why it will not read the Secret', async () => {
    const condition = await eventually(`${thiefHub} ForecastFresh CredentialsNotAllowed`, async () => {
      const found = (await getHub(thiefHub)).status?.conditions?.find((c) => c.type === 'ForecastFresh');
      return found?.reason === 'CredentialsNotAllowed' ? found : undefined;
    });
    expect(condition.status).toBe('False');
    expect(condition.message).toContain(`namespace ${victimNamespace}`);
    expect(condition.message).toContain(credentialsNamespace);
    expect(condition.message).toContain('--credentials-namespace');
  });

  it('sends the foreign server nothing for that Hub, and never the Secret value', async () => {
    // The control Hub is polled in the same rounds: after three of its requests,
    // the thief Hub has been due at least as often.
    await eventually('three requests for the control Hub', () =>
      Promise.resolve(server.received.filter((r) => r.url.includes(controlHub)).length >= 3 ? true : undefined),
    );
    expect(server.received.filter((r) => r.headers['auth-token'] === ownToken).length).toBeGreaterThanOrEqual(3);
    expect(server.received.filter((r) => r.url.includes(thiefHub))).toEqual([]);
    expect(JSON.stringify(server.received)).not.toContain(victimValue);
    expect(server.received.every((r) => r.url.includes(controlHub))).toBe(true);
  });

  it('does not put the Secret value in logs or the Hub', async () => {
    expect(operator?.logs().join('\n')).not.toContain(victimValue);
    expect(JSON.stringify(await getHub(thiefHub))).not.toContain(victimValue);
  });
});

const scrape = (url: string, token?: string) => httpsGet(`${url}/metrics`, token);

describe('the operator under its own RBAC', () => {
  const operatorNamespace = 'westward-system';
  const credsNamespace = `creds-${suffix}`;
  const monitoring = `monitoring-${suffix}`;
  const liveHub = `live-${suffix}`;
  const readerBinding = `westward-metrics-reader-${suffix}`;
  const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
  let provider: ForecastServer;
  let secured: OperatorProcess | undefined;
  let scraperToken = '';
  let strangerToken = '';

  beforeAll(async () => {
    await applyCrds();
    if ((await kubectl(['get', 'namespace', operatorNamespace])).code !== 0) await kubectlOk(['create', 'namespace', operatorNamespace]);
    // Exactly what an installer applies: config/rbac and config/metrics-auth's roles.
    await kubectlOk(['apply', '--server-side', '--force-conflicts', '-k', path.join(root, 'config/rbac')]);
    for (const f of ['auth_role.yaml', 'auth_role_binding.yaml', 'reader_role.yaml']) {
      await kubectlOk(['apply', '--server-side', '--force-conflicts', '-f', path.join(root, 'config/metrics-auth', f)]);
    }
    // The shipped credentials Role, in a credentials namespace of this test's own.
    await core.createNamespace({ body: { metadata: { name: credsNamespace } } });
    for (const file of ['config/rbac/credentials_role.yaml', 'config/rbac/credentials_role_binding.yaml']) {
      await kubectlOk(['apply', '-f', '-'], { input: shippedIn(file, credsNamespace) });
    }

    provider = await startForecastServer(`em-${suffix}`);
    provider.set(liveHub, { renewableShare: 0.7, carbonIntensity: 120 });
    await core.createNamespacedSecret({ namespace: credsNamespace, body: { metadata: { name: 'em' }, stringData: { token: provider.token } } });
    await custom.createClusterCustomObject({ ...api, plural: 'hubs', body: hub(liveHub, provider.url, { namespace: credsNamespace, name: 'em', key: 'token' }) });

    await core.createNamespace({ body: { metadata: { name: monitoring } } });
    for (const sa of ['scraper', 'stranger']) await core.createNamespacedServiceAccount({ namespace: monitoring, body: { metadata: { name: sa } } });
    await kubectlOk(['create', 'clusterrolebinding', readerBinding, '--clusterrole=westward-metrics-reader', `--serviceaccount=${monitoring}:scraper`]);
    scraperToken = (await kubectlOk(['create', 'token', 'scraper', '-n', monitoring])).trim();
    strangerToken = (await kubectlOk(['create', 'token', 'stranger', '-n', monitoring])).trim();
    // The authorizer reads RBAC from its own informers: wait until the bindings are in force.
    await eventually('the RBAC to take effect', async () => {
      const checks = [
        ['get', '/metrics', `--as=system:serviceaccount:${monitoring}:scraper`],
        ['create', 'tokenreviews.authentication.k8s.io', '--as=system:serviceaccount:westward-system:westward'],
        ['get', 'secrets', '-n', credsNamespace, '--as=system:serviceaccount:westward-system:westward'],
      ];
      for (const c of checks) if ((await kubectl(['auth', 'can-i', ...c])).stdout.trim() !== 'yes') return undefined;
      return true;
    });

    secured = await startOperator({
      kubeconfig: await serviceAccountKubeconfig(operatorNamespace, 'westward'),
      namespaces: [credsNamespace],
      credentialsNamespaces: [credsNamespace],
      extra: ['--metrics-secure'],
    });
  });

  afterAll(async () => {
    await secured?.stop();
    await custom.deleteClusterCustomObject({ ...api, plural: 'hubs', name: liveHub }).catch(() => undefined);
    await kubectl(['delete', 'clusterrolebinding', readerBinding, '--ignore-not-found']);
    for (const name of [credsNamespace, monitoring]) await core.deleteNamespace({ name }).catch(() => undefined);
    await provider.close();
  });

  it('serves /metrics over HTTPS: 401 without a valid token, 403 without the right, 200 with it', async () => {
    const url = secured?.metricsUrl ?? '';
    expect(url).toMatch(/^https:\/\//);
    expect((await scrape(url)).status).toBe(401);
    expect((await scrape(url, 'not-a-token')).status).toBe(401);
    const denied = await scrape(url, strangerToken);
    expect(denied.status).toBe(403);
    expect(denied.body).not.toContain('westward_');
    const allowed = await scrape(url, scraperToken);
    expect(allowed.status).toBe(200);
    expect(allowed.body).toContain('westward_informer_objects');
  });

  it('keeps a live forecast live when the API server refuses the Secret (403)', async () => {
    const live = await eventually(`${liveHub} live`, async () => {
      const status = (await getHub(liveHub)).status;
      const fresh = status?.conditions?.find((c) => c.type === 'ForecastFresh');
      return fresh?.reason === 'ForecastLive' && status?.forecast?.fetchedAt !== undefined ? status : undefined;
    });
    await rbac.deleteNamespacedRoleBinding({ name: 'westward-credentials', namespace: credsNamespace });
    const refused = (): string[] =>
      (secured?.logs() ?? []).filter((l) => l.includes('Credentials Secret not readable') && l.includes(liveHub) && l.includes('"kind":"Forbidden"'));
    await eventually('two refused Secret reads', () => Promise.resolve(refused().length >= 2 ? true : undefined), { timeoutMs: 90_000 });
    const served = provider.requests();

    const after = (await getHub(liveHub)).status;
    const fresh = after?.conditions?.find((c) => c.type === 'ForecastFresh');
    expect(fresh?.status).toBe('True');
    expect(fresh?.reason).toBe('ForecastLive');
    expect(after?.forecast?.source).toBe('Live');
    // The forecast is one fetched while the Secret was readable, not a newer one.
    expect(Date.parse(after?.forecast?.fetchedAt ?? '')).toBeGreaterThanOrEqual(Date.parse(live.forecast?.fetchedAt ?? ''));
    expect(secured?.logs().filter((l) => l.includes('Forecast fetch failed') && l.includes(liveHub))).toEqual([]);
    const metrics = (await scrape(secured?.metricsUrl ?? '', scraperToken)).body;
    expect(metrics).toMatch(new RegExp(`westward_forecast_credentials_read_failures_total\\{hub="${liveHub}",kind="Forbidden"\\} [1-9]`));
    expect(metrics).not.toMatch(new RegExp(`westward_forecast_fetches_total\\{hub="${liveHub}",provider="ElectricityMaps",result="Config"\\}`));
    // Nothing was asked of the provider without credentials.
    expect(provider.requests()).toBe(served);
  });
});

describe('the shipped NetworkPolicies', () => {
  // No network plugin runs here, so enforcement is not tested; the API server's validation is.
  beforeAll(async () => {
    if ((await kubectl(['get', 'namespace', 'westward-system'])).code !== 0) await kubectlOk(['create', 'namespace', 'westward-system']);
  });

  it('are accepted by the API server, from kustomize and from the chart', async () => {
    const kustomized = await kubectl(['apply', '--dry-run=server', '-k', path.join(root, 'config/network-policy')]);
    expect(kustomized.stderr).toBe('');
    expect(kustomized.stdout).toContain('networkpolicy.networking.k8s.io/westward created (server dry run)');
    const chart = await kubectl(['apply', '--dry-run=server', '-n', 'westward-system', '-f', '-'], { input: chartObjects(['NetworkPolicy']) });
    expect(chart.stderr).toBe('');
    expect(chart.stdout).toContain('networkpolicy.networking.k8s.io/westward created (server dry run)');
  });
});

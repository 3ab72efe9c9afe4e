// The operator as a confused deputy, tried on the real control plane: a Hub author points a Hub
// at a server of their own and at a Secret in a namespace they cannot read. The operator must say
// why in the Hub's status and send that server nothing.
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Hub } from '../../src/api/index.ts';
import { eventually, kubeConfig } from './support/kube.ts';
import { startOperator, type OperatorProcess } from './support/operator.ts';
import { applyCrds, getHub } from './support/scenario.ts';

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

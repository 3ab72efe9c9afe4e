// /metrics behind token review and access review: the decision per Authorization header, its
// cache, the self-signed certificate and the HTTPS server that puts them together.
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { metricsAuthorizer, type AccessReviews, type ReviewedUser } from '../../../src/observability/metrics-auth.ts';
import { counter, createRegistry } from '../../../src/observability/metrics.ts';
import { selfSignedCertificate } from '../../../src/observability/self-signed.ts';
import { startObservabilityServer } from '../../../src/observability/server.ts';
import { runOperator } from '../../../src/operator.ts';
import { httpsGet } from './https-get.ts';

/** Tokens the fake API server knows, and which of their users may get /metrics. */
function reviews(users: Record<string, { name: string; allowed: boolean }>, calls: string[] = [], down = false): AccessReviews {
  return {
    authenticate: (token) => {
      calls.push(`authn ${token}`);
      if (down) return Promise.reject(new Error('connect ECONNREFUSED'));
      const user = users[token];
      return Promise.resolve(user === undefined ? undefined : { username: user.name });
    },
    mayGet: (user: ReviewedUser, path) => {
      calls.push(`authz ${user.username} ${path}`);
      return Promise.resolve(Object.values(users).some((u) => u.name === user.username && u.allowed));
    },
  };
}

const users = { good: { name: 'system:serviceaccount:monitoring:prometheus', allowed: true }, weak: { name: 'system:serviceaccount:x:y', allowed: false } };

describe('metricsAuthorizer', () => {
  it.each([
    [undefined, 401],
    ['', 401],
    ['Basic dXNlcjpwYXNz', 401],
    ['Bearer', 401],
    ['Bearer unknown', 401],
    ['Bearer weak', 403],
    ['Bearer good', 200],
    ['bearer good', 200],
  ] as const)('answers %j with %d', async (header, expected) => {
    const decide = metricsAuthorizer({ reviews: reviews(users), now: () => 0 });
    expect(await decide(header, '/metrics')).toBe(expected);
  });

  it('asks the API server once per token within the TTL, again after it', async () => {
    let now = 0;
    const calls: string[] = [];
    const decide = metricsAuthorizer({ reviews: reviews(users, calls), now: () => now, ttlMs: 1000 });
    expect(await decide('Bearer good', '/metrics')).toBe(200);
    expect(await decide('Bearer good', '/metrics')).toBe(200);
    expect(calls).toEqual(['authn good', 'authz system:serviceaccount:monitoring:prometheus /metrics']);
    now = 1000;
    expect(await decide('Bearer good', '/metrics')).toBe(200);
    expect(calls).toHaveLength(4);
  });

  it('asks again sooner after a refusal', async () => {
    let now = 0;
    const calls: string[] = [];
    const decide = metricsAuthorizer({ reviews: reviews(users, calls), now: () => now, ttlMs: 1000, deniedTtlMs: 100 });
    expect(await decide('Bearer weak', '/metrics')).toBe(403);
    now = 99;
    await decide('Bearer weak', '/metrics');
    expect(calls).toHaveLength(2);
    now = 100;
    await decide('Bearer weak', '/metrics');
    expect(calls).toHaveLength(4);
  });

  it('remembers at most maxEntries tokens', async () => {
    const calls: string[] = [];
    const decide = metricsAuthorizer({ reviews: reviews(users, calls), now: () => 0, maxEntries: 1 });
    await decide('Bearer good', '/metrics');
    await decide('Bearer weak', '/metrics');
    await decide('Bearer good', '/metrics');
    expect(calls.filter((c) => c === 'authn good')).toHaveLength(2);
  });

  it('answers 503 and keeps nothing when the API server cannot be asked', async () => {
    const calls: string[] = [];
    const decide = metricsAuthorizer({ reviews: reviews(users, calls, true), now: () => 0 });
    expect(await decide('Bearer good', '/metrics')).toBe(503);
    expect(await decide('Bearer good', '/metrics')).toBe(503);
    expect(calls).toEqual(['authn good', 'authn good']);
  });
});

describe('selfSignedCertificate', () => {
  it('is a certificate for the names given, signed by its own key, valid from now', () => {
    const now = new Date(Date.UTC(2026, 11, 1, 12));
    const { key, cert } = selfSignedCertificate(['westward-metrics', 'localhost'], now, 30);
    const x509 = new X509Certificate(cert);
    expect(x509.subject).toBe('CN=westward-metrics');
    expect(x509.issuer).toBe(x509.subject);
    expect(x509.subjectAltName).toBe('DNS:westward-metrics, DNS:localhost');
    expect(x509.verify(x509.publicKey)).toBe(true);
    expect(x509.checkPrivateKey(createPrivateKey(key))).toBe(true);
    expect(Date.parse(x509.validFrom)).toBeLessThanOrEqual(now.getTime());
    expect(Date.parse(x509.validTo)).toBe(now.getTime() + 30 * 86_400_000);
    expect(x509.serialNumber).not.toBe(new X509Certificate(selfSignedCertificate(['a'], now).cert).serialNumber);
  });
});

const get = (url: string, path: string, token?: string) => httpsGet(`${url}${path}`, token);

describe('a secure metrics server', () => {
  it('serves /metrics over HTTPS only to allowed tokens; health stays open', async () => {
    const registry = createRegistry();
    counter(registry, { name: 'westward_test_scrapes_total', help: 'A series to see in the body' }).inc();
    const server = await startObservabilityServer({
      registry,
      host: '127.0.0.1',
      port: 0,
      tls: selfSignedCertificate(['localhost'], new Date()),
      authorizeMetrics: metricsAuthorizer({ reviews: reviews(users), now: () => 0 }),
    });
    try {
      expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      expect((await get(server.url, '/metrics')).status).toBe(401);
      expect((await get(server.url, '/metrics', 'unknown')).status).toBe(401);
      expect((await get(server.url, '/metrics', 'weak')).status).toBe(403);
      const allowed = await get(server.url, '/metrics', 'good');
      expect(allowed.status).toBe(200);
      expect(allowed.body).toContain('westward_test_scrapes_total 1');
      expect((await get(server.url, '/metrics', 'weak')).body).not.toContain('westward_test_scrapes_total');
      expect(await get(server.url, '/healthz')).toEqual({ status: 200, body: 'ok\n' });
    } finally {
      await server.close();
    }
  });
});

describe('runOperator with --metrics-secure', () => {
  it('refuses health and secure metrics on one port, before doing anything', async () => {
    const start = runOperator({
      kubeConfig: new KubeConfig(),
      logger: pino({ level: 'silent' }),
      metrics: { host: '127.0.0.1', port: 18443 },
      metricsSecure: true,
      health: { host: '127.0.0.1', port: 18443 },
      leaderElection: { enabled: false, namespace: 'westward-system', name: 'x' },
      namespaces: [],
      credentialsNamespaces: ['westward-system'],
      limits: { maxConcurrentMoves: 1, maxConcurrentMovesPerHub: 1 },
      planIntervalMs: 60_000,
      accountingStepMs: 900_000,
    });
    await expect(start).rejects.toThrow('--metrics-secure needs --health-probe-bind-address on another port than --metrics-bind-address (both 18443)');
  });
});

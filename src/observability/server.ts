// The operator's HTTP endpoints: /metrics (Prometheus text), /healthz (liveness) and /readyz
// (readiness) with named checks, in the style of the API server's own health endpoints:
// 200 "ok", or 503 listing the failing checks; `?verbose` lists every check.
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

/** A named health check: true (or resolves true) when healthy. Throwing counts as unhealthy. */
export type HealthCheck = () => boolean | Promise<boolean>;

export interface ObservabilityServerOptions {
  readonly registry: Registry;
  /** Default 8080; 0 picks a free port. */
  readonly port?: number;
  /** Default 0.0.0.0 (reachable by Prometheus and kubelet probes); 127.0.0.1 for local runs. */
  readonly host?: '127.0.0.1' | '0.0.0.0' | (string & {});
  readonly readiness?: Readonly<Record<string, HealthCheck>>;
  readonly liveness?: Readonly<Record<string, HealthCheck>>;
  /** serve HTTPS with this key and certificate (PEM) */
  readonly tls?: { readonly key: string; readonly cert: string };
  /** decides each /metrics request from its Authorization header; without it /metrics is open */
  readonly authorizeMetrics?: (authorization: string | undefined, path: string) => Promise<200 | 401 | 403 | 503>;
}

/** The address could not be bound (in use, not on this machine, not permitted). */
export class ListenError extends Error {
  override name = 'ListenError';
}

export interface ObservabilityServer {
  readonly port: number;
  readonly url: string;
  addReadinessCheck(name: string, check: HealthCheck): void;
  addLivenessCheck(name: string, check: HealthCheck): void;
  close(): Promise<void>;
}

async function runChecks(checks: ReadonlyMap<string, HealthCheck>): Promise<{ name: string; ok: boolean }[]> {
  return Promise.all(
    [...checks].map(async ([name, check]) => {
      try {
        return { name, ok: await check() };
      } catch {
        return { name, ok: false };
      }
    }),
  );
}

async function health(req: IncomingMessage, res: ServerResponse, checks: ReadonlyMap<string, HealthCheck>, url: URL): Promise<void> {
  const results = await runChecks(checks);
  const failed = results.filter((r) => !r.ok);
  const verbose = url.searchParams.has('verbose') || failed.length > 0;
  const lines = verbose ? results.map((r) => `[${r.ok ? '+' : '-'}]${r.name} ${r.ok ? 'ok' : 'failed'}`) : [];
  const summary = failed.length === 0 ? 'ok' : `${url.pathname.slice(1)} check failed`;
  res.writeHead(failed.length === 0 ? 200 : 503, { 'Content-Type': 'text/plain; charset=utf-8' });
  res.end(req.method === 'HEAD' ? undefined : [...lines, summary].join('\n') + '\n');
}

const accessMessages = {
  401: 'Unauthorized: a bearer token the API server accepts is required',
  403: 'Forbidden: the token\'s user may not get /metrics',
  503: 'the API server could not be asked whether this token may get /metrics',
} as const;

export async function startObservabilityServer(options: ObservabilityServerOptions): Promise<ObservabilityServer> {
  const readiness = new Map(Object.entries(options.readiness ?? {}));
  const liveness = new Map(Object.entries(options.liveness ?? {}));
  const registry = options.registry;

  const listener: RequestListener = (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const handle = async (): Promise<void> => {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { Allow: 'GET, HEAD' }).end();
        return;
      }
      if (url.pathname === '/metrics') {
        const decision = options.authorizeMetrics === undefined ? 200 : await options.authorizeMetrics(req.headers.authorization, url.pathname);
        if (decision !== 200) {
          const headers: Record<string, string> = { 'Content-Type': 'text/plain' };
          if (decision === 401) headers['WWW-Authenticate'] = 'Bearer';
          res.writeHead(decision, headers).end(`${accessMessages[decision]}\n`);
          return;
        }
        const body = await registry.metrics();
        res.writeHead(200, { 'Content-Type': registry.contentType });
        res.end(req.method === 'HEAD' ? undefined : body);
      } else if (url.pathname === '/healthz' || url.pathname === '/livez') {
        await health(req, res, liveness, url);
      } else if (url.pathname === '/readyz') {
        await health(req, res, readiness, url);
      } else {
        res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found\n');
      }
    };
    handle().catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain' });
      res.end(`${err instanceof Error ? err.message : String(err)}\n`);
    });
  };
  const server: Server = options.tls === undefined ? createServer(listener) : createTlsServer({ key: options.tls.key, cert: options.tls.cert }, listener);
  // Probes and scrapes are short; do not keep idle sockets that would delay close().
  server.keepAliveTimeout = 5_000;

  const host = options.host ?? '0.0.0.0';
  await new Promise<void>((resolve, reject) => {
    const fail = (error: NodeJS.ErrnoException): void => {
      reject(new ListenError(`cannot listen on ${host}:${options.port ?? 8080}: ${error.code ?? error.message}`, { cause: error }));
    };
    server.once('error', fail);
    server.listen(options.port ?? 8080, host, () => {
      server.off('error', fail);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `${options.tls === undefined ? 'http' : 'https'}://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`,
    addReadinessCheck: (name, check) => {
      readiness.set(name, check);
    },
    addLivenessCheck: (name, check) => {
      liveness.set(name, check);
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => {
          if (err) reject(err);
          else resolve();
        });
        server.closeAllConnections();
      }),
  };
}

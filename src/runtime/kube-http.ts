// Raw JSON reads from the API server. The informer lists through here so listed objects have the
// same plain-JSON shape as watched ones (the generated clients turn timestamps into Dates).
import * as http from 'node:http';
import * as https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { KubeApiError, kindOf } from './errors.ts';

export type Query = Readonly<Record<string, string | number | boolean | undefined>>;

/** GETs `path` (e.g. /api/v1/configmaps) and parses the JSON body; non-2xx throws KubeApiError. */
export async function getJson(kc: KubeConfig, path: string, query: Query = {}, signal?: AbortSignal): Promise<unknown> {
  const cluster = kc.getCurrentCluster();
  if (cluster === null) throw new Error('kubeconfig has no current cluster');
  const url = new URL(cluster.server.replace(/\/$/, '') + path);
  for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, String(v));
  const options: https.RequestOptions = { method: 'GET', headers: { Accept: 'application/json' } };
  await kc.applyToHTTPSOptions(options);
  const transport = url.protocol === 'http:' ? http : https;
  return new Promise((resolve, reject) => {
    const req = transport.request(url, { ...options, ...(signal ? { signal } : {}), timeout: 60_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const code = res.statusCode ?? 0;
        let body: unknown;
        try {
          body = JSON.parse(text) as unknown;
        } catch {
          body = undefined;
        }
        if (code >= 200 && code < 300 && body !== undefined) {
          resolve(body);
          return;
        }
        const status = (typeof body === 'object' && body !== null ? body : {}) as { reason?: unknown; message?: unknown };
        const reason = typeof status.reason === 'string' ? status.reason : undefined;
        const message = typeof status.message === 'string' ? status.message : `HTTP ${code} from GET ${path}`;
        reject(new KubeApiError({ kind: kindOf(code, reason, message), code, message, reason }));
      });
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${path} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

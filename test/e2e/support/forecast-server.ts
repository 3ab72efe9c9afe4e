// A local Electricity Maps v3 look-alike on 127.0.0.1: serves the documented forecast shapes
// for zones whose signal the test sets, checks the auth-token, and can be switched to an outage.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ZoneSignal {
  /** 0..1 */
  renewableShare: number;
  /** gCO2/kWh */
  carbonIntensity: number;
}

export type Outage = 'none' | 'http503' | 'html';

export interface ForecastServer {
  url: string;
  token: string;
  set(zone: string, signal: ZoneSignal): void;
  /** every zone, or only the zones named */
  outage(mode: Outage, zones?: string[]): void;
  /** requests served per path prefix, for tests that check polling happened */
  requests(): number;
  close(): Promise<void>;
}

const hourMs = 3_600_000;

export async function startForecastServer(token = 'test-token'): Promise<ForecastServer> {
  const zones = new Map<string, ZoneSignal>();
  let mode: Outage = 'none';
  let outageZones: Set<string> | undefined;
  let served = 0;

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    served++;
    const url = new URL(req.url ?? '/', 'http://localhost');
    const send = (status: number, body: unknown, type = 'application/json'): void => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    };
    const down = outageZones === undefined || outageZones.has(url.searchParams.get('zone') ?? '');
    if (down && mode === 'http503') { send(503, { message: 'Service temporarily unavailable' }); return; }
    if (down && mode === 'html') { send(200, '<html><body>Maintenance</body></html>', 'text/html'); return; }
    if (req.headers['auth-token'] !== token) { send(401, { message: 'Token unauthorized' }); return; }
    const zone = url.searchParams.get('zone') ?? '';
    const signal = zones.get(zone);
    if (!signal) { send(404, { message: `Zone '${zone}' does not exist.` }); return; }
    const start = Math.floor(Date.now() / hourMs) * hourMs;
    const hours = Array.from({ length: 24 }, (_, i) => new Date(start + i * hourMs).toISOString());
    const updatedAt = new Date().toISOString();
    if (url.pathname === '/v3/carbon-intensity/forecast') {
      send(200, { zone, forecast: hours.map((datetime) => ({ carbonIntensity: signal.carbonIntensity, datetime })), updatedAt }); return;
    }
    if (url.pathname === '/v3/renewable-energy/forecast') {
      send(200, {
        zone,
        forecast: hours.map((datetime) => ({ zone, datetime, value: signal.renewableShare * 100, unit: '%', isEstimated: false })),
        updatedAt,
      }); return;
    }
    send(404, { message: 'Endpoint not available' });
  };

  const server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    token,
    set: (zone, signal) => zones.set(zone, signal),
    outage: (m, only) => {
      mode = m;
      outageZones = only === undefined ? undefined : new Set(only);
    },
    requests: () => served,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}

// The demo's local forecast server on 127.0.0.1: Open-Meteo's `/v1/forecast` shape, answered
// from synthetic weather on a compressed clock. Every answer says it is synthetic, in a header and
// in the body.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { openMeteoAnswer, syntheticNote } from './open-meteo-response.ts';
import { hourMs, simulatedMs, type SimClock } from './sim-clock.ts';
import { SyntheticWeather } from './weather.ts';

export interface DemoForecastServer {
  url: string;
  /** the simulated time at a real instant */
  simulatedAt: (realMs: number) => number;
  requests: () => number;
  close: () => Promise<void>;
}

export async function startDemoForecastServer(options: { clock: SimClock; seed: number; now?: () => number }): Promise<DemoForecastServer> {
  const now = options.now ?? (() => Date.now());
  // Weather from two simulated hours before the start, so the first hour's radiation exists.
  const weather = new SyntheticWeather(options.seed, options.clock.simStartMs - 2 * hourMs);
  let served = 0;

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    served++;
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const send = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'x-westward-synthetic': syntheticNote });
      res.end(JSON.stringify(body));
    };
    if (req.method !== 'GET' || url.pathname !== '/v1/forecast') {
      send(404, { error: true, reason: 'Not Found' });
      return;
    }
    const realNow = now();
    try {
      const answer = openMeteoAnswer(url.searchParams, realNow, simulatedMs(options.clock, realNow), weather);
      send(answer.status, answer.body);
    } catch (error) {
      send(500, { error: true, reason: (error as Error).message });
    }
  };

  const server = createServer(handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    simulatedAt: (realMs) => simulatedMs(options.clock, realMs),
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

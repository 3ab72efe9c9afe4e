// Worker thread entry: plans each request it receives and posts the plan back.
import { parentPort } from 'node:worker_threads';
import { plan } from './plan.ts';
import type { PlanRequest, PlanResponse } from './worker.ts';

const port = parentPort;
if (port === null) throw new Error('plan-worker.ts runs only as a worker thread');

port.on('message', (request: PlanRequest) => {
  let response: PlanResponse;
  try {
    response = { id: request.id, ok: true, plan: plan(request.input) };
  } catch (error) {
    response = { id: request.id, ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) };
  }
  port.postMessage(response);
});

// For the route tests beside each <m>.routes.ts: one module's routes on the real HTTP server
// (validation, problem+json, body limits), exercised with app.inject.
import assert from 'node:assert/strict';
import type { LightMyRequestResponse } from 'fastify';
import { createHttpServer, type App } from '../../src/common/http/server.ts';
import { createMetrics } from '../../src/common/metrics.ts';
import { silentLogger } from './test-support.ts';

export const PROBLEM = 'application/problem+json; charset=utf-8';

/** The server every process builds (1 MiB body limit, as by default), with nothing mounted yet. */
export function routeApp(service: string): App {
  return createHttpServer({
    service, mode: 'test', version: 'test', logger: silentLogger, metrics: createMetrics(service),
    bodyLimitBytes: 1_048_576, trustProxy: 'loopback', ready: {},
  });
}

export function assertProblem(response: LightMyRequestResponse, status: number, code: string): void {
  assert.equal(response.statusCode, status, response.body);
  assert.equal(response.headers['content-type'], PROBLEM);
  assert.deepEqual([response.json().status, response.json().code], [status, code]);
}

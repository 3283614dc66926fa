import { fork } from 'node:child_process';
import { createServer } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import { Pool, type Dispatcher } from 'undici';

// A reference, not a product: the least one HTTP hop can cost in Node. node:http in front of the
// ceiling (bench/ceiling.ts, its own process, as a redirector is behind the gateway), relaying each
// request over an undici Pool and copying back status and Location, nothing else: no headers
// forwarded, no metrics, no fallback. The distance from here to the ceiling is the hop; from here
// to micro-gateway, the gateway's own work and the redirector's behind it.
const upstreamPort = Number(process.env.UPSTREAM_PORT);
const upstreamUrl = `http://127.0.0.1:${upstreamPort}`;
const upstream = fork(new URL('./ceiling.ts', import.meta.url), { env: { ...process.env, PORT: String(upstreamPort) }, execArgv: ['--import', 'tsx'] });
process.once('exit', () => upstream.kill('SIGTERM'));
for (;;) {
  if (await fetch(`${upstreamUrl}/health`).then((r) => r.ok, () => false)) break;
  await delay(50);
}

const pool = new Pool(upstreamUrl);
createServer((request, response) => {
  let status = 0;
  let location: string | undefined;
  const handler: Dispatcher.DispatchHandler = {
    onRequestStart() {},
    onResponseStart(_controller, statusCode, headers) {
      status = statusCode;
      location = typeof headers.location === 'string' ? headers.location : undefined;
    },
    onResponseData() {},
    onResponseEnd() {
      response.writeHead(status, location === undefined ? { 'content-length': '0' } : { location, 'content-length': '0' }).end();
    },
    onResponseError() {
      response.destroy();
    },
  };
  pool.dispatch({ method: 'GET', path: request.url ?? '/', headers: { 'user-agent': request.headers['user-agent'] } }, handler);
}).listen(Number(process.env.PORT ?? 0), '127.0.0.1');

process.once('SIGTERM', () => process.exit(0));

#!/usr/bin/env node
// The container image's HEALTHCHECK: exit 0 when this process answers GET /health with a 2xx.
// The URL is the first argument (each service of compose.yaml passes its own port), else the
// monolith's or the gateway's: http://127.0.0.1:$PORT/health. Node only: the slim image has no curl.
/* global fetch, AbortSignal -- Node 20 has both */
const url = process.argv[2] ?? `http://127.0.0.1:${process.env.PORT ?? 8000}/health`;
try {
  const response = await fetch(url, { signal: AbortSignal.timeout(2_500) });
  process.exit(response.ok ? 0 : 1);
} catch {
  process.exit(1);
}

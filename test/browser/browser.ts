// Headless Chromium from Debian's packages, driven by playwright-core (`npx playwright install`
// cannot run here: no network). The flags are the ones this machine's notes give.
import { existsSync, mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { ROOT } from '../contract/harness.ts';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Where each run leaves its screenshots (ignored by git). */
export const RESULTS = join(ROOT, 'test-results');

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`No Chromium at ${CHROMIUM}: install it (apt-get install -y chromium; .ci/run does) or set CHROMIUM_PATH.`);
  }
  if (!existsSync(join(ROOT, 'dist', 'web', 'index.html'))) {
    throw new Error('The dashboard is not built: run npm run build first (npm ci runs it).');
  }
  mkdirSync(RESULTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

/** A page on 127.0.0.1 for short links to point at, so following one needs no network; counts its visits. */
export async function startLandingPage(): Promise<{ url: string; visits(): number; close(): Promise<void> }> {
  let visits = 0;
  const server: Server = createServer((request, response) => {
    if (request.url?.startsWith('/landing')) visits += 1;
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    response.end('<!doctype html><title>Landing</title><h1>You followed a MorphLink short URL</h1>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/landing`,
    visits: () => visits,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

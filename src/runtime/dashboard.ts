import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import { AppError } from '../common/errors.ts';
import type { App } from '../common/http/server.ts';

/** Where `npm run build` puts the dashboard (vite, from web/): the same place from src/ and from dist/. */
export const DASHBOARD_DIR = fileURLToPath(new URL('../../dist/web/', import.meta.url));

/** Hashed file names change with their content: a browser may keep them for a year. */
const IMMUTABLE = 'public, max-age=31536000, immutable';

const hidden = { schema: { hide: true } } as const;

/**
 * The web dashboard at /dashboard/ (and / redirects there), on the monolith and on the gateway:
 * the built files, hashed assets cached for good, index.html revalidated each time and answered
 * for every other /dashboard/ path, so the app's own routes survive a reload.
 */
export function registerDashboard(app: App, root: string = DASHBOARD_DIR): void {
  app.get('/', hidden, (_request, reply) => reply.redirect('/dashboard/', 302));
  app.get('/dashboard', hidden, (_request, reply) => reply.redirect('/dashboard/', 301));

  if (!existsSync(join(root, 'index.html'))) {
    app.get('/dashboard/*', hidden, async () => {
      throw new AppError('NOT_FOUND', 'The dashboard is not built: run npm run build (npm ci runs it), then restart.');
    });
    return;
  }

  app.register(async (scope: App) => {
    await scope.register(fastifyStatic, {
      root,
      prefix: '/dashboard/',
      // One route per built file, found at start: unknown paths fall through to the app below.
      wildcard: false,
      cacheControl: false,
      setHeaders: (response, path) => response.setHeader('cache-control', /[\\/]assets[\\/]/.test(path) ? IMMUTABLE : 'no-cache'),
    });
    scope.get('/dashboard/*', hidden, async (request, reply) => {
      if (request.url.startsWith('/dashboard/assets/')) throw new AppError('NOT_FOUND', `No dashboard asset ${request.url.split('?')[0]}`);
      return reply.header('cache-control', 'no-cache').type('text/html; charset=utf-8').sendFile('index.html');
    });
  });
}

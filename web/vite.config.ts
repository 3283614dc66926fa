import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// Paths from this file, so `vite build --config web/vite.config.ts` works from any directory.
const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

// `vite --config web/vite.config.ts` (dev): the API of a running server, same origin through the proxy.
const api = process.env.MORPHLINK_URL ?? 'http://127.0.0.1:8000';

export default defineConfig({
  root: here('.'),
  base: '/dashboard/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: { outDir: here('../dist/web'), emptyOutDir: true, assetsDir: 'assets', target: 'es2022' },
  server: {
    host: '127.0.0.1',
    port: Number(process.env.WEB_PORT ?? 5173),
    proxy: Object.fromEntries(['/api', '/health', '/metrics'].map((path) => [path, { target: api }])),
  },
});

import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// Paths from this file, so `vite build --config web/vite.config.ts` works from any directory.
const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

// The running server whose API the dev server proxies (MORPHLINK_URL, else the default PORT).
const api = process.env.MORPHLINK_URL ?? 'http://127.0.0.1:8000';
const proxy = Object.fromEntries(['/api', '/health', '/metrics'].map((path) => [path, { target: api }]));

export default defineConfig({
  root: here('.'),
  base: '/dashboard/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: { outDir: here('../dist/web'), emptyOutDir: true, assetsDir: 'assets', target: 'es2022' },
  // `vite` (dev) and `vite preview` (the built files): the API through a proxy, so it stays same-origin.
  server: { host: '127.0.0.1', port: Number(process.env.WEB_PORT ?? 5173), proxy },
  preview: { host: '127.0.0.1', port: Number(process.env.WEB_PORT ?? 4173), proxy },
});

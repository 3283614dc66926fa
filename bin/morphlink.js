#!/usr/bin/env node
// Runs the compiled build (dist/, made by `npm run build`, which `npm ci` runs as `prepare`)
// when it is newer than every source file, for a fast start and a small footprint. Otherwise
// it runs the TypeScript sources through tsx, so an edited checkout never runs stale code.
import { fileURLToPath, pathToFileURL } from 'node:url';
import { freshBuild } from './build-state.js';

const built = freshBuild(fileURLToPath(new URL('..', import.meta.url)));
if (built) {
  await import(pathToFileURL(built).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/main.ts');
}

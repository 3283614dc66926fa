#!/usr/bin/env node
// Runs the TypeScript sources through tsx, so a fresh clone needs no build step
// and no stale dist/ can ever be run by mistake.
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createScratch, type Scratch } from '../contract/database.ts';
import { freePort, ROOT } from '../contract/harness.ts';
import { cliEnv } from './run.ts';

describe('starting with AUTH_MODE=header', () => {
  let scratch: Scratch;
  before(async () => {
    scratch = await createScratch('sqlite');
  });
  after(async () => scratch?.remove());

  test('when the server starts in header mode, then stderr carries a loud warning, even with LOG_LEVEL=error', async () => {
    const env = cliEnv(scratch.databaseUrl, { AUTH_MODE: 'header', LOG_LEVEL: 'error', PORT: String(await freePort()) });
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'morphlink.js'), 'start'], { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no warning within 60 s:\n${stderr}`)), 60_000);
        child.stderr.on('data', (chunk: Buffer) => {
          stderr += chunk.toString();
          if (/management is disabled/.test(stderr)) {
            clearTimeout(timer);
            resolve();
          }
        });
        void exited.then(() => reject(new Error(`exited before warning:\n${stderr}`)));
      });
    } finally {
      // kill() is SIGTERM on POSIX and an immediate stop on Windows: either ends this server.
      child.kill();
      await exited;
    }
    assert.match(stderr, /WARNING/);
    assert.match(stderr, /AUTH_MODE=header/);
    assert.match(stderr, /alice, bob/);
  });
});

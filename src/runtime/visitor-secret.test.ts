import assert from 'node:assert/strict';
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../common/config.ts';
import { createScratch, type Scratch } from '../../test/support/test-support.ts';
import { createContext } from './context.ts';
import { loadVisitorSecret } from './visitor-secret.ts';

describe('visitor secret', () => {
  let scratch: Scratch;
  let dirs = 0;
  before(async () => (scratch = await createScratch('sqlite')));
  after(() => scratch.remove());
  const freshDir = () => join(scratch.dir, `data-${++dirs}`);

  it('when no secret is kept yet, then one is made once (mode 0600 on POSIX) and every later load returns it', () => {
    const dir = freshDir();
    const first = loadVisitorSecret(dir);
    assert.match(first, /^[0-9a-f]{64}$/);
    assert.equal(loadVisitorSecret(dir), first);
    if (process.platform !== 'win32') assert.equal(statSync(join(dir, 'visitor-secret')).mode & 0o777, 0o600);
    // No temporary files are left beside it.
    assert.deepEqual(readdirSync(dir), ['visitor-secret']);
  });

  it('when another process wrote the file first, then its secret wins', () => {
    const dir = freshDir();
    loadVisitorSecret(dir);
    writeFileSync(join(dir, 'visitor-secret'), 'from-the-other-process\n');
    assert.equal(loadVisitorSecret(dir), 'from-the-other-process');
  });

  it('when VISITOR_SECRET is set, then it is used and nothing is written; INTERNAL_TOKEN plays no part', () => {
    const dir = freshDir();
    const base = { DATA_DIR: dir, LOG_LEVEL: 'silent', INTERNAL_TOKEN: 'token-one' };
    assert.equal(createContext(loadConfig({ ...base, VISITOR_SECRET: 'mine' }), 'test').visitorSecret, 'mine');
    const kept = createContext(loadConfig(base), 'test').visitorSecret;
    assert.equal(createContext(loadConfig({ ...base, INTERNAL_TOKEN: 'token-two' }), 'test').visitorSecret, kept);
    assert.notEqual(kept, 'token-one');
  });
});

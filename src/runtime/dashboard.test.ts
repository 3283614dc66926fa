import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { App } from '../common/http/server.ts';
import { assertProblem, routeApp } from '../../test/support/routes.ts';
import { registerDashboard } from './dashboard.ts';

// The serving of a built dashboard (a small stand-in build in a temp dir; the real build is driven in Chromium by test/browser/).
describe('the dashboard files', () => {
  const base = mkdtempSync(join(tmpdir(), 'morphlink-web-'));
  const root = join(base, 'web');
  let app: App;

  before(async () => {
    mkdirSync(join(root, 'assets'), { recursive: true });
    writeFileSync(join(base, 'secret.txt'), 'TOPSECRET');
    writeFileSync(join(root, 'index.html'), '<!doctype html><title>MorphLink</title><div id="app"></div>');
    writeFileSync(join(root, 'assets', 'index-3f2a9c1b.js'), 'console.log("app")');
    app = routeApp('monolith');
    registerDashboard(app, root);
    await app.ready();
  });
  after(async () => {
    await app.close();
    rmSync(base, { recursive: true, force: true });
  });

  it('when / or /dashboard is asked for, then a redirect to /dashboard/', async () => {
    const home = await app.inject('/');
    assert.deepEqual([home.statusCode, home.headers.location], [302, '/dashboard/']);
    const bare = await app.inject('/dashboard');
    assert.deepEqual([bare.statusCode, bare.headers.location], [301, '/dashboard/']);
  });

  it('when the app or one of its own paths is loaded, then index.html, revalidated each time', async () => {
    for (const url of ['/dashboard/', '/dashboard/links/abc', '/dashboard/system?x=1']) {
      const page = await app.inject(url);
      assert.equal(page.statusCode, 200, url);
      assert.match(String(page.headers['content-type']), /^text\/html/);
      assert.equal(page.headers['cache-control'], 'no-cache', url);
      assert.match(page.body, /<div id="app">/);
    }
  });

  it('when a hashed asset is loaded, then it is cached for a year; an unknown asset is a 404 problem, not the page', async () => {
    const script = await app.inject('/dashboard/assets/index-3f2a9c1b.js');
    assert.equal(script.statusCode, 200);
    assert.match(String(script.headers['content-type']), /javascript/);
    assert.equal(script.headers['cache-control'], 'public, max-age=31536000, immutable');
    assertProblem(await app.inject('/dashboard/assets/index-00000000.js'), 404, 'NOT_FOUND');
  });

  it('when a path tries to climb out of the build, then nothing outside it is served', async () => {
    for (const url of ['/dashboard/../secret.txt', '/dashboard/%2e%2e/secret.txt', '/dashboard/assets/..%2f..%2fsecret.txt', '/dashboard/..%5csecret.txt']) {
      const response = await app.inject(url);
      assert.ok(!response.body.includes('TOPSECRET'), `${url} answered ${response.statusCode} ${response.body.slice(0, 80)}`);
    }
  });
});

describe('the dashboard when it is not built', () => {
  it('when /dashboard/ is asked for, then a 404 problem that says how to build it', async () => {
    const app = routeApp('monolith');
    registerDashboard(app, join(tmpdir(), 'morphlink-no-such-build'));
    const page = await app.inject('/dashboard/');
    assertProblem(page, 404, 'NOT_FOUND');
    assert.match(page.json().detail, /npm run build/);
    await app.close();
  });
});

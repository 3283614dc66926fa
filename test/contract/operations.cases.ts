import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertProblem, assertStatus } from './expect.ts';
import { createLink } from './fixtures.ts';
import { visit } from './http.ts';
import type { Suite } from './suite.ts';

interface Health {
  status: string;
  service: string;
  mode: string;
  version: string;
}

export function operationsCases(s: Suite): void {
  describe('operations', () => {
    it('when /health is asked, then 200 with status ok, service, mode and version', async () => {
      const res = await s.anon.get<Health>('/health');
      assertStatus(res, 200);
      assert.equal(res.body.status, 'ok');
      assert.equal(res.body.mode, s.opts.mode);
      assert.ok(typeof res.body.service === 'string' && typeof res.body.version === 'string', res.text);
    });

    it('when /ready is asked with the database up, then 200', async () => {
      // The database is up for the whole suite, so anything but 200 is a false alarm.
      assertStatus(await s.anon.get('/ready'), 200);
    });

    it('when /metrics is scraped after a redirect, then Prometheus text with request and redirect series', async () => {
      // A labelled counter has no sample line before its first increment.
      const link = await createLink(s.alice);
      await visit(s.target, `/r/${link.code}`);
      const res = await s.anon.get('/metrics');
      assertStatus(res, 200);
      assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
      // Only the samples of interest go in the message; the full exposition is hundreds of lines.
      const ours = res.text.split('\n').filter((l) => /^(http_request_duration_seconds_count|morphlink_)/.test(l));
      assert.ok(/^http_request_duration_seconds_bucket\{/m.test(res.text), `no request histogram in:\n${ours.join('\n')}`);
      assert.ok(/^morphlink_redirects_total(\{[^}]*\})? [1-9]/m.test(res.text), `no redirect count in:\n${ours.join('\n')}`);
    });

    it('when /openapi.json is asked, then an OpenAPI document listing the link routes', async () => {
      const res = await s.anon.get<{ openapi: string; paths: Record<string, unknown> }>('/openapi.json');
      assertStatus(res, 200);
      assert.match(res.body.openapi, /^3\./);
      assert.ok(Object.keys(res.body.paths).some((p) => p.startsWith('/api/links')), 'paths include /api/links');
    });

    it('when /docs is asked, then 200 (after at most one redirect)', async () => {
      let res = await s.anon.get('/docs');
      const location = res.headers.get('location');
      if (res.status >= 300 && res.status < 400 && location) res = await s.anon.get(new URL(location, s.target.baseUrl).pathname);
      assertStatus(res, 200);
    });

    it('when an unknown /api route is called, then 404 problem+json', async () => {
      assertProblem(await s.alice.get('/api/no-such-route'), 404);
    });
  });
}

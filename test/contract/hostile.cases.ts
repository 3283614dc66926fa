import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { before, describe, it } from 'node:test';
import { assertProblem, assertStatus, assertValidation } from './expect.ts';
import { createLink, targetUrl, unique } from './fixtures.ts';
import { visit, type Reply } from './http.ts';
import type { Suite } from './suite.ts';
import type { Link, Page } from './types.ts';

/** Exactly these bytes on a fresh socket, so request lines no HTTP client would send can be tried. */
export function rawExchange(port: number, request: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect(port, '127.0.0.1', () => socket.write(request));
    socket.setTimeout(5_000, () => socket.destroy(new Error('no answer within 5 s')));
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const [head = '', body = ''] = text.split('\r\n\r\n', 2);
      const [statusLine = '', ...lines] = head.split('\r\n');
      const headers = new Headers();
      for (const line of lines) {
        const colon = line.indexOf(':');
        if (colon > 0) headers.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
      }
      const status = Number(statusLine.split(' ')[1]);
      let parsed: unknown = body;
      try {
        parsed = JSON.parse(body);
      } catch {
        // Left as text: the assertion shows what came back.
      }
      resolve({ status, headers, body: parsed, text, bytes: Buffer.concat(chunks) });
    });
  });
}

/** Not a 5xx, and a 4xx is problem+json. */
export function assertClientError(res: Reply, what: string): void {
  assert.ok(res.status >= 400 && res.status < 500, `${what}: expected a 4xx, got ${res.status}: ${res.text.slice(0, 300)}`);
  assertProblem(res, res.status, what);
}

export function hostileCases(s: Suite): void {
  describe('hostile input (NUL bytes, leap seconds, stray percent signs, raw request lines)', () => {
    let link: Link;
    before(async () => {
      link = await createLink(s.alice, { code: unique('hot') });
    });

    it('when a title or a tag holds a NUL byte, then 400 naming the field and nothing is stored', async () => {
      assertValidation(await s.alice.post('/api/links', { url: targetUrl(), title: 'a\u0000b' }), 'title');
      assertValidation(await s.alice.post('/api/links', { url: targetUrl(), tags: ['a\u0000b'] }), 'tags');
      assertValidation(await s.alice.patch(`/api/links/${link.code}`, { title: '\u0000' }), 'title');
    });

    for (const path of ['/api/links/%00', '/api/links?q=%00', '/api/links?tag=%00', '/api/links/%00/stats', '/api/links/%00/qr']) {
      it(`when ${path} is asked for, then a 4xx problem`, async () => {
        assertClientError(await s.alice.get(path), path);
      });
    }

    it('when a cursor decodes to text holding a NUL byte, then 400 naming the cursor', async () => {
      for (const decoded of ['1.\u0000', '1700000000000.\u0000abc', '\u0000.x']) {
        assertValidation(await s.alice.get(`/api/links?cursor=${Buffer.from(decoded).toString('base64url')}`), 'cursor', JSON.stringify(decoded));
      }
    });

    it('when stats are asked from a leap second, then 400 naming from', async () => {
      assertValidation(await s.alice.get(`/api/links/${link.code}/stats?from=2016-12-31T23:59:60Z`), 'from');
      assertValidation(await s.alice.get(`/api/links/${link.code}/stats?to=2016-12-31T23:59:60Z`), 'to');
    });

    for (const path of ['/%00', '/r/%00', '/hot%00', '/r/hot%00']) {
      it(`when an anonymous visitor asks for ${path}, then a 4xx problem`, async () => {
        assertClientError(await visit(s.target, path), `GET ${path}`);
        assertClientError(await visit(s.target, path, { method: 'POST', form: { password: 'x' } }), `POST ${path}`);
      });
    }

    it('when a redirect has a stray % in its query, then the query is forwarded as its raw bytes', async () => {
      const res = await visit(s.target, `/${link.code}?discount=50%`);
      assertStatus(res, 302);
      assert.equal(res.headers.get('location'), `${link.url}?discount=50%`);
    });

    it('when a query is not valid UTF-8 percent-encoding, then never a 5xx', async () => {
      for (const path of ['/api/links?q=%ff', '/api/links?cursor=%ff%fe', '/api/links?tag=%c3%28', `/api/links/${link.code}/stats?from=%ff`]) {
        const res = await s.alice.get(path);
        assert.ok(res.status < 500, `${path}: got ${res.status}: ${res.text.slice(0, 200)}`);
        if (res.status >= 400) assertProblem(res, res.status, path);
      }
    });

    it('when the request line is in absolute form, then it is answered as its path, never proxied elsewhere', async () => {
      const port = new URL(s.target.baseUrl).port;
      const head = `Host: 127.0.0.1:${port}\r\nAuthorization: Bearer ${s.aliceKey}\r\nConnection: close\r\n\r\n`;
      const res = await rawExchange(Number(port), `GET http://127.0.0.1:${port}/api/links?limit=1 HTTP/1.1\r\n${head}`);
      assertStatus(res, 200, 'absolute form:');
      assert.ok(Array.isArray((res.body as Page).items), res.text);
      const elsewhere = await rawExchange(Number(port), `GET http://127.0.0.1:${s.target.ports.links}/internal/links/${link.code} HTTP/1.1\r\n${head}`);
      assertClientError(elsewhere, 'absolute form naming another port');
      assert.ok(!elsewhere.text.includes(link.url), `the internal route answered: ${elsewhere.text}`);
    });

    it("when Node or Fastify refuse a request themselves (400, 414, 431), then the answer is problem+json", async () => {
      const port = Number(new URL(s.target.baseUrl).port);
      const bad = await rawExchange(port, 'BLAH BLAH\r\n\r\n');
      assertProblem(bad, 400, 'bad request line:');
      const big = await rawExchange(port, `GET /${link.code} HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
      assertProblem(big, 431, 'headers too large:');
      assertClientError(await s.alice.get(`/api/links/${'a'.repeat(300)}`), 'a path parameter past the router limit');
      assertProblem(await s.alice.get('/api/links/%ff'), 400, 'bad percent-encoding in the path:');
      assertProblem(await visit(s.target, '/%ff'), 400, 'bad percent-encoding in a short URL:');
    });
  });
}

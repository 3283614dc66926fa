import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import fc from 'fast-check';
import { createLink, unique } from './fixtures.ts';
import { api, send, type Reply } from './http.ts';
import type { Suite } from './suite.ts';

// Small on purpose: every run is a real request to a real target, in each mode and database.
const RUNS = 400;
const TIME_LIMIT_MS = 15_000;

/** One byte of a URL as a client could send it: a plain character, or a %XX escape of any byte (NUL, %ff, lone surrogates' bytes). */
const urlChar = fc.oneof(
  fc.constantFrom(...'abcXYZ019-_.~!$&\'()*+,;=:@%/?'.split('')),
  fc.integer({ min: 0, max: 255 }).map((b) => `%${b.toString(16).padStart(2, '0')}`),
  fc.constantFrom('%00', '%ff%fe', '%c3%28', '%e2%82', '%2e%2e', '%25', '%'),
);
const urlText = (max: number) => fc.array(urlChar, { maxLength: max }).map((chars) => chars.join(''));
const hostileString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.constantFrom('\u0000', 'a\u0000b', '\ud800', '2016-12-31T23:59:60Z', '2026-02-30T00:00:00Z', '0000-01-01', '9'.repeat(30), '', ' '),
  fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
);
const anyJson = fc.oneof(hostileString, fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.array(hostileString, { maxLength: 3 }));
const linkBody = fc.record(
  {
    url: fc.oneof(fc.constant('https://example.com/fuzz'), hostileString, fc.webUrl(), anyJson),
    code: fc.oneof(hostileString, urlText(20)),
    title: anyJson,
    tags: fc.oneof(fc.array(hostileString, { maxLength: 4 }), anyJson),
    expiresAt: anyJson,
    maxClicks: anyJson,
    password: anyJson,
    redirectType: fc.oneof(fc.constantFrom(301, 302, 303, 307, 308), anyJson),
  },
  { requiredKeys: [] },
);
const printable = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 300 });
const headers = fc.record(
  {
    'user-agent': printable,
    referer: printable,
    'cf-ipcountry': printable,
    'x-country': printable,
    accept: fc.constantFrom('*/*', 'application/json', 'text/html', 'image/png'),
    'x-forwarded-for': printable,
    'x-api-key': printable,
  },
  { requiredKeys: [] },
).map((h): Record<string, string> => Object.fromEntries(Object.entries(h).filter(([, v]) => v !== undefined)));

/** Never a 5xx; a 4xx is problem+json, except the HTML pages a short URL shows a browser. */
function assertSane(res: Reply, what: string, htmlAllowed: boolean): void {
  assert.ok(res.status < 500, `${what} answered ${res.status}: ${res.text.slice(0, 300)}`);
  if (res.status < 400) return;
  const type = res.headers.get('content-type') ?? '';
  if (htmlAllowed && type.startsWith('text/html')) return;
  assert.match(type, /^application\/problem\+json/, `${what} answered ${res.status} as ${type}: ${res.text.slice(0, 200)}`);
}

export function fuzzCases(s: Suite): void {
  describe('property-based fuzzing of every public route', { timeout: 120_000 }, () => {
    // A user of its own, so random DELETEs and PATCHes can only touch links made here.
    let key: string;
    let own: string;
    before(async () => {
      key = await s.target.createUser(unique('fuzz'));
      own = (await createLink(api(s.target, key))).code;
    });
    const call = (method: string, path: string, opts: { json?: unknown; headers?: Record<string, string>; auth?: boolean; raw?: string }) =>
      send(s.target.baseUrl, method, path, {
        json: opts.json,
        raw: opts.raw,
        headers: { ...(opts.auth === false ? {} : { authorization: `Bearer ${key}` }), ...opts.headers },
      });
    const check = <T extends unknown[]>(property: fc.IAsyncProperty<T>) =>
      fc.assert(property, { numRuns: RUNS, interruptAfterTimeLimit: TIME_LIMIT_MS, endOnFailure: true, includeErrorInReport: true });

    it('when the API gets hostile paths, queries and bodies, then never a 5xx and every 4xx is problem+json', async () => {
      const route = fc.constantFrom(
        ['GET', '/api/links'], ['GET', '/api/links/{p}'], ['PATCH', '/api/links/{p}'], ['DELETE', '/api/links/{p}'],
        ['GET', '/api/links/{p}/qr'], ['GET', '/api/links/{p}/stats'], ['GET', '/api/stats'], ['GET', '/stats'],
        ['POST', '/api/links'], ['GET', '/api/users/me'], ['POST', '/api/users'], ['GET', '/api/auth/keys'], ['DELETE', '/api/auth/keys/{p}'],
      );
      const query = fc.array(fc.tuple(fc.constantFrom('limit', 'cursor', 'q', 'tag', 'from', 'to', 'interval', 'format', 'size', 'user', 'x'), urlText(12)), { maxLength: 4 });
      await check(
        // One call in ten without the bearer key, so the hostile X-API-Key reaches the auth guard.
        fc.asyncProperty(route, fc.oneof(urlText(24), fc.constant(own)), query, linkBody, headers, fc.nat(9),
          async ([method, template], param, pairs, body, extra, dice) => {
            const path = template.replace('{p}', param.replaceAll('/', '%2F').replaceAll('?', '%3F'));
            const qs = pairs.map(([k, v]) => `${k}=${v.replaceAll('#', '%23')}`).join('&');
            const full = `${path}${qs ? `?${qs}` : ''}`;
            const json = method === 'POST' || method === 'PATCH' ? body : undefined;
            const res = await call(method, full, { json, headers: extra, auth: dice > 0 });
            assertSane(res, `${method} ${full} ${JSON.stringify(json)?.slice(0, 200)}`, false);
          }),
      );
    });

    it('when anyone visits hostile short URLs with hostile headers, then never a 5xx and every 4xx is problem+json or a page', async () => {
      const prefix = fc.constantFrom('/', '/r/');
      // The password form as a browser posts it, as JSON, or as bytes that are neither.
      const body = fc.oneof(
        fc.constant(undefined),
        printable.map((p) => ({ type: 'application/x-www-form-urlencoded', raw: `password=${encodeURIComponent(p)}` })),
        urlText(30).map((raw) => ({ type: 'application/x-www-form-urlencoded', raw })),
        fc.record({ password: anyJson }, { requiredKeys: [] }).map((json) => ({ type: 'application/json', raw: JSON.stringify(json) })),
        hostileString.map((raw) => ({ type: 'application/json', raw })),
      );
      await check(
        fc.asyncProperty(prefix, fc.oneof(urlText(30), fc.constant(own)), urlText(30), fc.constantFrom('GET', 'HEAD', 'POST'), body, headers,
          async (start, code, query, method, posted, extra) => {
            const path = `${start}${code.replaceAll('?', '%3F').replaceAll('#', '%23')}${query ? `?${query.replaceAll('#', '%23')}` : ''}`;
            const sent = method === 'POST' ? posted : undefined;
            const contentType: Record<string, string> = sent === undefined ? {} : { 'content-type': sent.type };
            const body = sent?.raw;
            const res = await call(method, path, { auth: false, raw: body, headers: { ...extra, ...contentType } });
            assertSane(res, `${method} ${path} ${body ?? ''}`, true);
          }),
      );
    });
  });
}

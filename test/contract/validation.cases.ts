import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { assertLink, assertProblem, assertValidation } from './expect.ts';
import { listAll, targetUrl } from './fixtures.ts';
import type { Client } from './http.ts';
import type { Suite } from './suite.ts';

// Each one, if stored, would turn the short link into a script, file or phishing vector.
const HOSTILE_URLS: [string, string][] = [
  ['javascript:alert(1)', 'javascript:alert(1)'],
  ['upper-case JAVASCRIPT:', 'JAVASCRIPT:alert(1)'],
  ['padded javascript:', '  javascript:alert(1)'],
  ['data:', 'data:text/html,<script>alert(1)</script>'],
  ['file:', 'file:///etc/passwd'],
  ['vbscript:', 'vbscript:msgbox'],
  ['http:// without a host', 'http://'],
  ['https:/// without a host', 'https:///path'],
  ['3,000 characters', `https://example.com/${'a'.repeat(2_980)}`],
  ['not a url', 'not a url'],
  ['ftp:', 'ftp://x.com'],
  ['an empty string', ''],
  ['a space in the host', 'https://exa mple.com/'],
];

const BAD_FIELDS: [string, Record<string, unknown>, string][] = [
  ['url is a number', { url: 123 }, 'url'],
  ['url is null', { url: null }, 'url'],
  ['url is missing', {}, 'url'],
  ['tags is a string', { url: targetUrl(), tags: 'x' }, 'tags'],
  ['tags holds a number', { url: targetUrl(), tags: [1] }, 'tags'],
  ['maxClicks is -1', { url: targetUrl(), maxClicks: -1 }, 'maxClicks'],
  ['maxClicks is 0', { url: targetUrl(), maxClicks: 0 }, 'maxClicks'],
  ['maxClicks is 1.5', { url: targetUrl(), maxClicks: 1.5 }, 'maxClicks'],
  ['maxClicks is "ten"', { url: targetUrl(), maxClicks: 'ten' }, 'maxClicks'],
  ['redirectType is 303', { url: targetUrl(), redirectType: 303 }, 'redirectType'],
  ['expiresAt is "tomorrow"', { url: targetUrl(), expiresAt: 'tomorrow' }, 'expiresAt'],
  ['title is an object', { url: targetUrl(), title: { a: 1 } }, 'title'],
];

export function validationCases(s: Suite): void {
  describe('validation', () => {
    // A private user, so "nothing created" is a short list to compare; compared per test so
    // that one wrongly accepted URL fails its own case and not every case after it.
    let erin: Client;
    before(async () => {
      erin = await s.newUser('erin');
    });
    const codes = async () => (await listAll(erin)).map((l) => l.code);
    const assertNothingCreated = async (refuse: () => Promise<void>) => {
      const before = await codes();
      await refuse();
      assert.deepEqual(await codes(), before, 'a link was created');
    };

    for (const [label, url] of HOSTILE_URLS) {
      it(`when the url is ${label}, then 400 and nothing is created`, async () => {
        await assertNothingCreated(async () => {
          assertProblem(await erin.post('/api/links', { url }), 400, JSON.stringify(url.slice(0, 60)));
        });
      });
    }

    it('when the scheme is upper-case HTTPS, then the url is accepted', async () => {
      assertLink(await erin.post('/api/links', { url: 'HTTPS://example.com/upper' }), 201, s.target.baseUrl);
    });

    it('when the url points at the shortener itself, then 400 and nothing is created', async () => {
      await assertNothingCreated(async () => {
        assertProblem(await erin.post('/api/links', { url: `${s.target.baseUrl}/abc` }), 400);
      });
    });

    for (const [label, body, field] of BAD_FIELDS) {
      it(`when ${label}, then 400 with errors naming ${field}`, async () => {
        await assertNothingCreated(async () => {
          assertValidation(await erin.post('/api/links', body), field);
        });
      });
    }

    it('when the url is exactly 2,048 characters, then it is accepted, and 2,049 is not', async () => {
      const prefix = 'https://example.com/';
      const longest = prefix + 'b'.repeat(2_048 - prefix.length);
      assertProblem(await erin.post('/api/links', { url: `${longest}b` }), 400, '2049:');
      assert.equal(assertLink(await erin.post('/api/links', { url: longest }), 201, s.target.baseUrl).url, longest);
    });

    it('when the body is malformed JSON, then 400 problem+json', async () => {
      const raw = '{"url": "https://example.com/x",';
      await assertNothingCreated(async () => {
        assertProblem(await erin.send('POST', '/api/links', { raw, headers: { 'content-type': 'application/json' } }), 400);
      });
    });

    it('when the body is 2 MB, then 413 problem+json', async () => {
      // Valid JSON on purpose: only its size may be the reason for refusing it.
      const raw = JSON.stringify({ url: targetUrl(), title: 'x'.repeat(2 * 1024 * 1024) });
      await assertNothingCreated(async () => {
        assertProblem(await erin.send('POST', '/api/links', { raw, headers: { 'content-type': 'application/json' } }), 413);
      });
    });

    it('when the content type is not JSON, then 415 (or 400) and nothing is created', async () => {
      await assertNothingCreated(async () => {
        const res = await erin.send('POST', '/api/links', { raw: `url=${targetUrl()}`, headers: { 'content-type': 'text/plain' } });
        assert.ok([400, 415].includes(res.status), `got ${res.status}: ${res.text}`);
        assertProblem(res, res.status);
      });
    });
  });
}

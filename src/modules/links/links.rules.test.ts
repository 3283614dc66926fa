import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { withCode } from '../../../test/support/test-support.ts';
import { checkCustomCode, checkExpiry, checkTargetUrl, generateCode, normaliseTags, pointsAtUs } from './links.rules.ts';

const BASE = 'https://mlk.example';

describe('checkTargetUrl', () => {
  const hostile: Record<string, string> = {
    'a javascript: URL': 'javascript:alert(1)',
    'an upper-case JAVASCRIPT: URL': 'JAVASCRIPT:alert(document.cookie)',
    'a javascript: URL padded with spaces': '   javascript:alert(1)  ',
    'a javascript: URL with a tab inside the scheme': 'java\tscript:alert(1)',
    'a data: URL': 'data:text/html,<script>alert(1)</script>',
    'a file: URL': 'file:///etc/passwd',
    'a vbscript: URL': 'vbscript:msgbox(1)',
    'an ftp: URL': 'ftp://files.example.com/a.zip',
    'a URL without a host': 'http://',
    'a relative path': '/just/a/path',
    'an empty string': '   ',
    'a 3000-character URL': `https://example.com/${'a'.repeat(2980)}`,
    'a URL on our own host': 'https://mlk.example/abc1234',
    'a URL on our own host in upper case with the default port': 'HTTPS://MLK.EXAMPLE:443/abc',
  };
  for (const [what, url] of Object.entries(hostile)) {
    it(`when given ${what}, then it throws INVALID_URL`, () => {
      assert.throws(() => checkTargetUrl(url, BASE), withCode('INVALID_URL'));
    });
  }

  it('when the URL is rejected, then the error names the field it came from', () => {
    assert.throws(
      () => checkTargetUrl('ftp://x.example', BASE, 'target'),
      (error: unknown) => (error as { errors?: { field: string }[] }).errors?.[0]?.field === 'target',
    );
  });

  it('when a valid http(s) URL is padded, then it comes back trimmed and otherwise unchanged', () => {
    assert.equal(checkTargetUrl('  https://example.com/a?b=1#c \n', BASE), 'https://example.com/a?b=1#c');
    assert.equal(checkTargetUrl('http://example.com', BASE), 'http://example.com');
  });

  it('when the URL is exactly 2048 characters, then it is accepted', () => {
    const url = `https://example.com/${'a'.repeat(2048 - 20)}`;
    assert.equal(url.length, 2048);
    assert.equal(checkTargetUrl(url, BASE), url);
  });

  it('when the URL is on another port of our host name, then it is accepted (only the exact host loops)', () => {
    assert.equal(checkTargetUrl('https://mlk.example:8443/x', BASE), 'https://mlk.example:8443/x');
  });
});

describe('checkCustomCode', () => {
  it('when a code is reserved in any letter case, then it throws INVALID_CODE', () => {
    for (const code of ['api', 'API', 'Health', 'mEtRiCs', 'docs', 'STATS']) {
      assert.throws(() => checkCustomCode(code), withCode('INVALID_CODE'), code);
    }
  });

  it('when a code is too short, too long or has characters outside [A-Za-z0-9_-], then it throws INVALID_CODE', () => {
    for (const code of ['ab', '', 'a'.repeat(65), 'has space', 'a/b/c', 'dot.ted', 'émoji', 'tab\tx']) {
      assert.throws(() => checkCustomCode(code), withCode('INVALID_CODE'), JSON.stringify(code));
    }
  });

  it('when a code is 3 or 64 allowed characters, then it is returned as given', () => {
    for (const code of ['abc', 'My-Code_01', 'z'.repeat(64)]) assert.equal(checkCustomCode(code), code);
  });
});

describe('generateCode', () => {
  it('when called, then it returns 7 base62 characters', () => {
    for (let i = 0; i < 200; i++) assert.match(generateCode(), /^[0-9A-Za-z]{7}$/);
  });

  it('when called many times, then the codes differ and use the whole alphabet', () => {
    const codes = Array.from({ length: 1000 }, () => generateCode());
    assert.equal(new Set(codes).size, codes.length);
    // 7000 draws from 62 symbols: each appears about 113 times, so a missing one means bias.
    assert.equal(new Set(codes.join('')).size, 62);
  });
});

describe('normaliseTags', () => {
  it('when tags repeat or are padded or blank, then they are trimmed, deduplicated and blanks dropped', () => {
    assert.deepEqual(normaliseTags([' a', 'b ', 'a', '  ', 'b']), ['a', 'b']);
  });
});

describe('pointsAtUs (the loop guard)', () => {
  const self = { baseUrl: 'http://127.0.0.1:8000', listen: [{ host: '127.0.0.1', port: 8000 }] };
  it('when the target is the server under any loopback alias on its port, then it loops', () => {
    for (const host of ['localhost', 'LocalHost.', '[::1]', '[::ffff:127.0.0.1]', '0.0.0.0', '127.0.0.2', '127.1', '2130706433',
      '0x7f.1', '[0:0:0:0:0:0:0:1]', 'app.localhost', '[::]']) {
      assert.equal(pointsAtUs(new URL(`http://${host}:8000/abc`), self), true, host);
      assert.throws(() => checkTargetUrl(`http://${host}:8000/abc`, self), withCode('INVALID_URL'), host);
    }
  });

  it('when the target is a loopback alias on another port, or another host on our port, then it does not loop', () => {
    for (const url of ['http://localhost:8001/x', 'http://[::1]:3000/', 'http://example.com:8000/', 'http://10.0.0.1:8000/']) {
      assert.equal(pointsAtUs(new URL(url), self), false, url);
    }
  });

  it('when BASE_URL is a public name without a port, then that name on http or https loops, and the listening port too', () => {
    const pub = { baseUrl: 'https://go.example', listen: [{ host: '0.0.0.0', port: 8000 }] };
    for (const url of ['https://go.example/x', 'http://GO.EXAMPLE./x', 'https://go.example:443/x', 'http://localhost:8000/x']) {
      assert.equal(pointsAtUs(new URL(url), pub), true, url);
    }
    assert.equal(pointsAtUs(new URL('https://go.example:8443/x'), pub), false);
  });
});

describe('checkExpiry', () => {
  const now = Date.parse('2026-06-01T00:00:00Z');
  it('when the date does not exist or is out of range, then it throws VALIDATION naming the field', () => {
    for (const value of ['2026-02-30T00:00:00Z', '2027-02-29', '2030-04-31T00:00:00Z', '0000-01-01T00:00:00Z', '2030-13-01',
      '2030-01-01T24:00:00Z', '2030-06-30T23:59:60Z', '2030-01-01T00:00:00+25:00', '2030-01-01T00:00:00', 'tomorrow', '10000-01-01']) {
      assert.throws(() => checkExpiry(value, now), (e: unknown) => (e as { errors?: { field: string }[] }).errors?.[0]?.field === 'expiresAt', value);
    }
  });

  it('when the instant is not after now, then it throws VALIDATION; a moment later is accepted', () => {
    assert.throws(() => checkExpiry('2026-05-31T23:59:59Z', now), withCode('VALIDATION'));
    assert.throws(() => checkExpiry('2026-06-01T00:00:00Z', now), withCode('VALIDATION'));
    assert.equal(checkExpiry('2026-06-01T00:00:01Z', now), now + 1000);
  });

  it('when a real date is given with an offset, a fraction or as a day, then it is that instant', () => {
    assert.equal(checkExpiry('2028-02-29T10:00:00Z', now), Date.parse('2028-02-29T10:00:00Z'));
    assert.equal(checkExpiry('2031-01-02T03:04:05.123+02:00', now), Date.parse('2031-01-02T01:04:05.123Z'));
    assert.equal(checkExpiry('2030-01-01', now), Date.parse('2030-01-01T00:00:00Z'));
  });
});

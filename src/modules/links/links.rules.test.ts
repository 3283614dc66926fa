import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { withCode } from '../../test-support.ts';
import { checkCustomCode, checkTargetUrl, generateCode, normaliseTags } from './links.rules.ts';

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

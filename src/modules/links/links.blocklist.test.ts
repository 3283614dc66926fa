import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { AppError } from '../../common/errors.ts';
import { blockedDomains, loadBlockedDomains, parseBlocklistFile } from './links.blocklist.ts';
import './links.errors.ts';
import { checkTargetUrl } from './links.rules.ts';

const BASE = 'https://mlk.example';
const policy = (...entries: string[]) => ({ baseUrl: BASE, blocked: blockedDomains(entries) });
const blockedBy = (entry: string) => (error: unknown) =>
  error instanceof AppError && error.code === 'BLOCKED_DOMAIN' && error.status === 400 && error.message.includes(`(${entry})`);

describe('blocked domains', () => {
  it('when a target is on a blocked domain or any subdomain of it, then it is refused with BLOCKED_DOMAIN', () => {
    const rules = policy('evil.example');
    for (const url of ['https://evil.example/x', 'http://a.b.evil.example', 'https://EVIL.example./', 'https://evil.example:8443/']) {
      assert.throws(() => checkTargetUrl(url, rules), blockedBy('evil.example'), url);
    }
  });

  it('when a target only looks like a blocked domain, then it is accepted', () => {
    const rules = policy('evil.example');
    for (const url of ['https://notevil.example/', 'https://evil.example.org/', 'https://example.com/?u=evil.example', 'https://evil-example.com/']) {
      assert.equal(checkTargetUrl(url, rules), url);
    }
  });

  it('when entries are written as *.name, .name, upper case or a non-ASCII name, then they mean the same domain', () => {
    assert.throws(() => checkTargetUrl('https://x.spam.test/', policy('*.spam.test')), blockedBy('spam.test'));
    assert.throws(() => checkTargetUrl('https://spam.test/', policy('.SPAM.test.')), blockedBy('spam.test'));
    // The URL parser turns a non-ASCII host into punycode; the entry is compared in that form too.
    assert.throws(() => checkTargetUrl('https://www.bücher.example/', policy('bücher.example')), blockedBy('xn--bcher-kva.example'));
  });

  it('when an address is blocked, then exactly that address is refused', () => {
    assert.throws(() => checkTargetUrl('http://203.0.113.7/x', policy('203.0.113.7')), blockedBy('203.0.113.7'));
    assert.equal(checkTargetUrl('http://203.0.113.70/x', policy('203.0.113.7')), 'http://203.0.113.70/x');
  });

  it('when an entry is not a domain name, then loading refuses it naming the entry', () => {
    assert.throws(() => blockedDomains(['https://x.example/path']), /"https:\/\/x\.example\/path" is not a domain name/);
    assert.throws(() => blockedDomains(['a b.example']), /not a domain name/);
  });

  it('when the list comes from a file, then comments and blank lines are skipped and it adds to BLOCKED_DOMAINS', () => {
    assert.deepEqual(parseBlocklistFile('# spam\nspam.test\r\n\n  phish.test  # reported 2026-11\n'), ['spam.test', 'phish.test']);
    const dir = mkdtempSync(join(tmpdir(), 'morphlink-blocklist-'));
    try {
      const file = join(dir, 'blocked.txt');
      writeFileSync(file, 'from-file.test\n');
      const blocked = loadBlockedDomains({ blockedDomains: ['from-env.test'], blockedDomainsFile: file });
      assert.equal(blocked.match('www.from-file.test'), 'from-file.test');
      assert.equal(blocked.match('from-env.test'), 'from-env.test');
      assert.equal(blocked.size, 2);
      assert.throws(() => loadBlockedDomains({ blockedDomains: [], blockedDomainsFile: join(dir, 'missing.txt') }), /BLOCKED_DOMAINS_FILE .*missing\.txt cannot be read/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('when the list is empty, then nothing is blocked', () => {
    assert.equal(blockedDomains([]).match('anything.example'), null);
    assert.equal(checkTargetUrl('https://anything.example/', { baseUrl: BASE }), 'https://anything.example/');
  });
});

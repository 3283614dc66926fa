import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { pino } from 'pino';
import { createGeoIp } from './redirector.geoip.ts';

const silent = pino({ level: 'silent' });

describe('click countries from the shipped IP database', async () => {
  const geo = createGeoIp({ path: null, logger: silent });
  await geo.ready;

  // Addresses whose registry and country do not move: Google's resolvers (US, ARIN) and RIPE NCC's own site (NL).
  it('when a public address is looked up, then its country is the one the registries give it', () => {
    assert.equal(geo.countryOf('8.8.8.8'), 'US');
    assert.equal(geo.countryOf('193.0.6.139'), 'NL');
    assert.equal(geo.countryOf('2001:4860:4860::8888'), 'US');
    assert.equal(geo.countryOf('2001:67c:2e8:22::c100:68b'), 'NL');
  });

  it('when an IPv4 address comes mapped into IPv6 (a dual-stack socket), then it is looked up as IPv4', () => {
    assert.equal(geo.countryOf('::ffff:8.8.8.8'), 'US');
  });

  it('when the address is private, loopback, link-local or reserved, then the country is unknown', () => {
    // 192.168.1.1 is one the WHOIS data itself places (in AU): the private ranges are answered before it is asked.
    for (const ip of ['127.0.0.1', '10.1.2.3', '172.16.5.4', '192.168.1.1', '100.64.0.1', '169.254.1.1', '::1', 'fe80::1', 'fd00::1', '::ffff:127.0.0.1']) {
      assert.equal(geo.countryOf(ip), null, ip);
    }
  });

  it('when the address is not an address, then the country is unknown and nothing throws', () => {
    for (const ip of ['', 'unknown', '8.8.8', '8.8.8.8, 1.1.1.1']) assert.equal(geo.countryOf(ip), null, ip);
  });

  it('when the same address is asked again, then the cached answer is the same', () => {
    assert.equal(geo.countryOf('8.8.8.8'), 'US');
    assert.equal(geo.countryOf('127.0.0.1'), null);
  });
});

describe('GEOIP_DB', () => {
  const dir = mkdtempSync(join(tmpdir(), 'geoip-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('when it is off, then every address is unknown', async () => {
    const geo = createGeoIp({ path: 'off', logger: silent });
    await geo.ready;
    assert.equal(geo.countryOf('8.8.8.8'), null);
  });

  it('when the file is missing or not a database, then ready resolves, the error is logged once and every address is unknown', async () => {
    const bogus = join(dir, 'bogus.mmdb');
    writeFileSync(bogus, 'not a database');
    for (const path of [join(dir, 'missing.mmdb'), bogus]) {
      const logged: string[] = [];
      const logger = pino({ level: 'error' }, { write: (line: string) => void logged.push(line) });
      const geo = createGeoIp({ path, logger });
      await geo.ready;
      assert.equal(geo.countryOf('8.8.8.8'), null, path);
      assert.equal(geo.countryOf('193.0.6.139'), null, path);
      assert.equal(logged.length, 1, path);
      assert.match(logged[0]!, /GEOIP_DB/);
    }
  });
});

import { BlockList, isIP } from 'node:net';
import { createRequire } from 'node:module';
import maxmind, { type Reader, type Response } from 'maxmind';
import { LRUCache } from 'lru-cache';
import type { Logger } from '../../common/logger.ts';

/** The shipped database: country of every IPv4 and IPv6 block from the RIRs' WHOIS (CC BY 4.0, NRO). */
export const SHIPPED_GEOIP_DB = '@ip-location-db/geo-whois-asn-country-mmdb/geo-whois-asn-country.mmdb';

/** A visitor's country from their address: a two-letter ISO code, or null when unknown. Synchronous: the file is in memory. */
export type CountryLookup = (ip: string) => string | null;

export interface GeoIp {
  countryOf: CountryLookup;
  /** Resolves once the database is open (or failed to open, which was logged); never rejects. */
  ready: Promise<void>;
}

// ip-location-db's own field, and MaxMind's GeoLite2/GeoIP2 Country shape.
type CountryRecord = Response & { country_code?: unknown; country?: { iso_code?: unknown } };

/**
 * Addresses no registry places in a country. WHOIS data names one for some (192.168.0.0/16 comes
 * out as AU), so they are answered here, before the database is asked.
 */
const NOWHERE = new BlockList();
for (const [net, bits] of [['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24], ['203.0.113.0', 24], ['224.0.0.0', 3]] as const) {
  NOWHERE.addSubnet(net, bits, 'ipv4');
}
for (const [net, bits] of [['::', 127], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8], ['2001:db8::', 32], ['100::', 64]] as const) {
  NOWHERE.addSubnet(net, bits, 'ipv6');
}

const ISO = /^[A-Za-z]{2}$/;
// The cache cannot hold null: this stands for "looked up, no country".
const UNKNOWN = Symbol('unknown');

function countryIn(record: CountryRecord | null): string | null {
  const code = record?.country_code ?? record?.country?.iso_code;
  return typeof code === 'string' && ISO.test(code) ? code.toUpperCase() : null;
}

/**
 * Opens the IP-to-country database once (GEOIP_DB: a path, null for the shipped one, `off` for
 * none) and answers lookups from an LRU per address. Until it is open, and if it cannot be opened,
 * every address is unknown: a missing database never fails a redirect.
 */
export function createGeoIp({ path, logger, cacheMax = 10_000 }: { path: string | null; logger: Logger; cacheMax?: number }): GeoIp {
  let reader: Reader<CountryRecord> | null = null;
  const cache = new LRUCache<string, string | typeof UNKNOWN>({ max: cacheMax });
  const ready = path === 'off' ? Promise.resolve() : open(path ?? createRequire(import.meta.url).resolve(SHIPPED_GEOIP_DB));

  async function open(file: string): Promise<void> {
    try {
      reader = await maxmind.open<CountryRecord>(file);
    } catch (error) {
      logger.error({ err: error, file }, 'GEOIP_DB could not be opened: every click country is recorded as unknown');
    }
  }

  function lookUp(ip: string): string | null {
    // Node writes an IPv4 client of a dual-stack socket as ::ffff:a.b.c.d; the database keys it as a.b.c.d.
    const address = ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip;
    const family = isIP(address);
    if (family === 0 || NOWHERE.check(address, family === 4 ? 'ipv4' : 'ipv6')) return null;
    return countryIn(reader!.get(address));
  }

  return {
    ready,
    countryOf(ip) {
      if (reader === null) return null;
      const cached = cache.get(ip);
      if (cached !== undefined) return cached === UNKNOWN ? null : cached;
      const country = lookUp(ip);
      cache.set(ip, country ?? UNKNOWN);
      return country;
    },
  };
}

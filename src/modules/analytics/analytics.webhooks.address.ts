import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';

/** Resolves a host name to every address it has (dns.lookup with `all`); tests pass their own. */
export type Resolve = (hostname: string) => Promise<LookupAddress[]>;

export const resolveAll: Resolve = (hostname) =>
  new Promise((resolve, reject) => dnsLookup(hostname, { all: true, verbatim: true }, (error, addresses) => (error ? reject(error) : resolve(addresses))));

// Where a webhook must never point: this host, its network, link-local (cloud metadata), and
// what is not unicast on the internet.
const PRIVATE = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24], ['203.0.113.0', 24],
  ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) PRIVATE.addSubnet(net, prefix, 'ipv4');
// BlockList checks an IPv4-mapped IPv6 address (::ffff:127.0.0.1) against the IPv4 rules itself.
for (const [net, prefix] of [
  ['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['fec0::', 10], ['ff00::', 8], ['2001:db8::', 32],
] as const) PRIVATE.addSubnet(net, prefix, 'ipv6');

/** True for a loopback, private, link-local, shared, reserved or multicast address. */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return true;
  return PRIVATE.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

export class WebhookAddressError extends Error {
  readonly code = 'WEBHOOK_ADDRESS';
}

const LOOKUP_TIMEOUT_MS = 5_000;

/**
 * Every address the URL's host stands for is public, or `allowPrivate`: throws WebhookAddressError
 * saying why not. Called when a webhook is registered and again before each delivery.
 */
export async function checkWebhookTarget(url: URL, { allowPrivate, resolve = resolveAll }: { allowPrivate: boolean; resolve?: Resolve }): Promise<void> {
  if (allowPrivate) return;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let addresses: string[];
  if (isIP(host) !== 0) addresses = [host];
  else {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new WebhookAddressError(`${host} did not resolve in time`)), LOOKUP_TIMEOUT_MS)));
    try {
      addresses = (await Promise.race([resolve(host), timeout])).map((a) => a.address);
    } catch (error) {
      if (error instanceof WebhookAddressError) throw error;
      throw new WebhookAddressError(`${host} does not resolve (${(error as { code?: string }).code ?? 'error'})`);
    } finally {
      clearTimeout(timer);
    }
  }
  if (addresses.length === 0) throw new WebhookAddressError(`${host} does not resolve`);
  const refused = addresses.find(isPrivateAddress);
  if (refused !== undefined) throw new WebhookAddressError(`${host} is a private, loopback or link-local address (${refused})`);
}

/**
 * The connection's own lookup: the address the socket connects to is the one checked here, so
 * a name that resolved to a public address at the check and a private one now (DNS rebinding)
 * is refused, not connected.
 */
export function guardedLookup(allowPrivate: boolean): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, '', 0);
      const refused = allowPrivate ? undefined : addresses.find((a) => isPrivateAddress(a.address));
      if (refused !== undefined || addresses.length === 0) {
        return callback(new WebhookAddressError(`${hostname} resolves to a private address (${refused?.address ?? 'none'})`), '', 0);
      }
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      callback(null, addresses[0]!.address, addresses[0]!.family);
    });
  };
}

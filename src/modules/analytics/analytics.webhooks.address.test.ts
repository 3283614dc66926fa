import assert from 'node:assert/strict';
import type { LookupAddress } from 'node:dns';
import { describe, it } from 'node:test';
import { checkWebhookTarget, guardedLookup, isPrivateAddress, WebhookAddressError, type Resolve } from './analytics.webhooks.address.ts';

const resolvesTo = (...addresses: string[]): Resolve => async () => addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
const refused = (error: unknown) => error instanceof WebhookAddressError;

describe('webhook target addresses', () => {
  it('when an address is loopback, private, link-local, shared or unspecified, then it is private', () => {
    const blocked = [
      '127.0.0.1', '127.255.0.9', '10.0.0.1', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '0.0.0.0',
      '100.64.0.1', '100.127.255.254', '::1', '::', 'fe80::1', 'febf::1', 'fc00::1', 'fd12:3456::1', '::ffff:127.0.0.1', '::ffff:7f00:1', '224.0.0.1', 'not-an-ip',
    ];
    assert.deepEqual(blocked.filter((a) => !isPrivateAddress(a)), []);
  });

  it('when an address is public unicast, then it is not private', () => {
    const open = ['8.8.8.8', '1.1.1.1', '172.32.0.1', '172.15.255.255', '100.128.0.1', '11.0.0.1', '2606:4700:4700::1111', '2a00:1450:4001::200e'];
    assert.deepEqual(open.filter(isPrivateAddress), []);
  });

  it('when a URL names a private address literally, then it is refused unless private targets are allowed', async () => {
    for (const url of ['http://127.0.0.1:8080/x', 'http://[::1]/x', 'https://[fe80::1]/x', 'http://169.254.169.254/latest/meta-data', 'http://10.1.2.3/', 'http://0.0.0.0/']) {
      await assert.rejects(checkWebhookTarget(new URL(url), { allowPrivate: false, resolve: resolvesTo('8.8.8.8') }), refused, url);
      await checkWebhookTarget(new URL(url), { allowPrivate: true, resolve: resolvesTo('8.8.8.8') });
    }
  });

  it('when a host name resolves to any private address, then it is refused; all public, then accepted', async () => {
    const url = new URL('https://hooks.example.com/in');
    await checkWebhookTarget(url, { allowPrivate: false, resolve: resolvesTo('8.8.8.8', '2606:4700:4700::1111') });
    await assert.rejects(checkWebhookTarget(url, { allowPrivate: false, resolve: resolvesTo('8.8.8.8', '192.168.0.10') }), /192\.168\.0\.10/);
    await assert.rejects(checkWebhookTarget(url, { allowPrivate: false, resolve: resolvesTo() }), refused);
    const missing: Resolve = async () => Promise.reject(Object.assign(new Error('nope'), { code: 'ENOTFOUND' }));
    await assert.rejects(checkWebhookTarget(url, { allowPrivate: false, resolve: missing }), /ENOTFOUND/);
  });

  it('when the connection looks up a name that resolves to loopback, then the guarded lookup refuses it unless allowed', async () => {
    const look = (allowPrivate: boolean) =>
      new Promise<LookupAddress[]>((resolve, reject) =>
        guardedLookup(allowPrivate)('localhost', { all: true }, (error: NodeJS.ErrnoException | null, addresses: unknown) => (error ? reject(error) : resolve(addresses as LookupAddress[]))),
      );
    await assert.rejects(look(false), refused);
    const addresses = await look(true);
    assert.ok(addresses.length > 0 && addresses.every((a) => isPrivateAddress(a.address)), JSON.stringify(addresses));
  });
});

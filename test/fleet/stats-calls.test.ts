// How many HTTP calls one public stats request costs inside a fleet, counted by each service's own
// request metrics (http_request_duration_seconds_count, by route).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createLink } from '../contract/fixtures.ts';
import { api, type Client } from '../contract/http.ts';
import { startFleet, type Fleet } from './fleet.ts';

type Service = 'auth' | 'links' | 'analytics';
const SERVICES: Service[] = ['auth', 'links', 'analytics'];

/** Requests each service has answered so far, as "service METHOD route" → count; /metrics and /health left out. */
async function requestsServed(fleet: Fleet): Promise<Map<string, number>> {
  const served = new Map<string, number>();
  for (const service of SERVICES) {
    const text = await (await fetch(`http://127.0.0.1:${fleet.ports[service]}/metrics`)).text();
    for (const line of text.split('\n')) {
      if (!line.startsWith('http_request_duration_seconds_count{')) continue;
      const label = (name: string) => new RegExp(`${name}="([^"]*)"`).exec(line)?.[1] ?? '';
      const route = label('route');
      if (route === '/metrics' || route === '/health' || route === '/ready') continue;
      const key = `${service} ${label('method')} ${route}`;
      served.set(key, (served.get(key) ?? 0) + Number(line.split(' ').at(-1)));
    }
  }
  return served;
}

/** The calls made between two snapshots, only those that happened. */
function callsBetween(before: Map<string, number>, after: Map<string, number>): Record<string, number> {
  const calls: Record<string, number> = {};
  for (const [key, count] of after) if (count > (before.get(key) ?? 0)) calls[key] = count - (before.get(key) ?? 0);
  return calls;
}

describe('the stats route in a fleet (sqlite)', () => {
  let fleet: Fleet;
  let alice: Client;
  before(async () => {
    fleet = await startFleet({ db: 'sqlite' });
    alice = api(fleet, await fleet.createUser('alice'));
  });
  after(() => fleet?.dispose());

  it('when a link’s stats are read, then analytics asks links once for {id, code} and links asks analytics nothing', async (t) => {
    const link = await createLink(alice);
    // A first read warms whatever the services cache (the principal of the key), so the count is the steady one.
    assert.equal((await alice.get(`/api/links/${link.code}/stats`)).status, 200);
    const start = await requestsServed(fleet);
    const res = await alice.get(`/api/links/${link.code}/stats`);
    assert.equal(res.status, 200);
    const calls = callsBetween(start, await requestsServed(fleet));
    t.diagnostic(`calls served: ${JSON.stringify(calls)}`);
    const to = (service: Service) => Object.entries(calls).filter(([key]) => key.startsWith(`${service} `));
    assert.deepEqual(to('links'), [['links GET /internal/owned-links/:code', 1]], JSON.stringify(calls));
    assert.deepEqual(to('analytics'), [['analytics GET /api/links/:code/stats', 1]], JSON.stringify(calls));
  });

  it('when another user asks for the stats of alice’s link, then it is a 404, as before', async () => {
    const link = await createLink(alice);
    const bob = api(fleet, await fleet.createUser('bob'));
    assert.equal((await bob.get(`/api/links/${link.code}/stats`)).status, 404);
  });
});

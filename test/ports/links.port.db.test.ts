import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setImmediate as setImmediatePromise } from 'node:timers/promises';
import { AppError } from '../../src/common/errors.ts';
import { createInternalAuthenticate, createInternalGuard } from '../../src/common/http/internal.ts';
import { createLinksClient, createLinksRepository, createLinksService, linksInternalRoutes, linksMigrations, type LinksPort } from '../../src/modules/links/index.ts';
import { principal, useDatabase, withCode } from '../support/test-support.ts';
import { portContract, servePort, TOKEN } from './harness.ts';

const BASE = 'https://mlk.example';

describe('LinksPort contract (sqlite)', () => {
  const database = useDatabase('sqlite', { links: linksMigrations });
  const totals = new Map<string, number>();
  let service: LinksPort | undefined;
  // One service for both implementations: the client must answer exactly what it answers.
  const links = () =>
    (service ??= createLinksService({
      repository: createLinksRepository(database()),
      clicks: { totalsFor: async (ids) => new Map(ids.filter((id) => totals.has(id)).map((id) => [id, totals.get(id) ?? 0])) },
      changes: { linkChanged: async () => undefined },
      baseUrl: BASE,
    }));

  portContract<LinksPort>(
    'LinksPort',
    [
      { name: 'the links service in process', open: async () => ({ port: links() }) },
      {
        name: 'createLinksClient over HTTP to linksInternalRoutes',
        async open() {
          const server = await servePort('links', (app) =>
            app.register(linksInternalRoutes, { links: links(), guard: createInternalGuard(TOKEN), authenticate: createInternalAuthenticate(TOKEN) }),
          );
          return { port: createLinksClient(server.http), close: server.close };
        },
      },
    ],
    (port) => {
      // Owners and codes are unique per run of the cases: both implementations share one database.
      const run = Math.random().toString(36).slice(2, 8);
      let owners = 0;
      const freshOwner = () => principal(`${run}-owner-${++owners}`);
      const code = (name: string) => `${name}-${run}`;

      it('when a link is created, then get, list, count and resolve all see it the same way', async () => {
        const owner = freshOwner();
        const created = await port().create(owner, { url: 'https://example.com/a', code: code('made'), title: 'A', tags: ['x'] });
        assert.equal(created.shortUrl, `${BASE}/${code('made')}`);
        totals.set(created.id, 4);
        assert.deepEqual(await port().get(owner, created.code), { ...created, clicks: 4 });
        assert.deepEqual((await port().list(owner, { limit: 10 })).items, [{ ...created, clicks: 4 }]);
        assert.equal(await port().count(owner), 1);
        const resolved = await port().resolve(created.code);
        assert.deepEqual(resolved, {
          id: created.id, code: created.code, url: 'https://example.com/a', ownerId: owner.id,
          expiresAt: null, maxClicks: null, redirectType: 302, passwordHash: null, rules: [],
        });
      });

      it('when a link has targeting rules, then resolve hands them to the redirector as stored', async () => {
        const owner = freshOwner();
        const rules = [{ device: 'ios' as const, url: 'https://apps.example/ios' }, { country: 'DE', url: 'https://example.de/' }];
        const created = await port().create(owner, { url: 'https://example.com/r', code: code('ruled'), rules });
        assert.deepEqual(created.rules, rules);
        assert.deepEqual((await port().resolve(created.code))?.rules, rules);
      });

      it('when links are created in bulk, then each item gets its own result and only the good ones exist', async () => {
        const owner = freshOwner();
        const result = await port().createMany(owner, [{ url: 'https://example.com/1' }, { url: 'nope' }, { url: 'https://example.com/3', code: code('bulk') }]);
        assert.deepEqual(
          result.results.map((r) => [r.index, r.status, r.problem?.code ?? r.link?.url]),
          [[0, 201, 'https://example.com/1'], [1, 400, 'INVALID_URL'], [2, 201, 'https://example.com/3']],
        );
        assert.deepEqual([result.created, result.failed, await port().count(owner)], [2, 1, 2]);
      });

      it('when the input is bad, then create throws INVALID_URL, INVALID_CODE or CODE_TAKEN', async () => {
        const owner = freshOwner();
        await assert.rejects(port().create(owner, { url: 'ftp://example.com/' }), withCode('INVALID_URL'));
        await assert.rejects(port().create(owner, { url: 'https://example.com/', code: 'a!' }), withCode('INVALID_CODE'));
        await port().create(owner, { url: 'https://example.com/', code: code('taken') });
        await assert.rejects(port().create(freshOwner(), { url: 'https://example.com/', code: code('taken') }), withCode('CODE_TAKEN'));
        assert.equal(await port().count(owner), 1);
      });

      it('when the code is unknown or another owner’s, then get, update and remove throw LINK_NOT_FOUND', async () => {
        const owner = freshOwner();
        const other = freshOwner();
        await port().create(owner, { url: 'https://example.com/', code: code('mine') });
        for (const [who, what] of [[other, code('mine')], [owner, code('nothing')]] as const) {
          await assert.rejects(port().get(who, what), withCode('LINK_NOT_FOUND'));
          await assert.rejects(port().update(who, what, { title: 'x' }), withCode('LINK_NOT_FOUND'));
          await assert.rejects(port().remove(who, what), withCode('LINK_NOT_FOUND'));
        }
        assert.equal(await port().resolve(code('nothing')), null);
      });

      it('when a link is updated, then absent fields stay, null clears, and resolve sees the change', async () => {
        const owner = freshOwner();
        const created = await port().create(owner, { url: 'https://example.com/old', code: code('upd'), title: 'T', maxClicks: 5 });
        const updated = await port().update(owner, created.code, { url: 'https://example.com/new', title: null, redirectType: 308, password: 'pw-123456' });
        assert.deepEqual([updated.url, updated.title, updated.maxClicks, updated.redirectType, updated.hasPassword], ['https://example.com/new', null, 5, 308, true]);
        const resolved = await port().resolve(created.code);
        assert.equal(resolved?.url, 'https://example.com/new');
        assert.equal(typeof resolved?.passwordHash, 'string');
        await assert.rejects(port().update(owner, created.code, { url: 'not a url' }), withCode('INVALID_URL'));
      });

      it('when a link is removed, then it is gone for get, remove and resolve', async () => {
        const owner = freshOwner();
        await port().create(owner, { url: 'https://example.com/', code: code('gone') });
        await port().remove(owner, code('gone'));
        await assert.rejects(port().get(owner, code('gone')), withCode('LINK_NOT_FOUND'));
        await assert.rejects(port().remove(owner, code('gone')), withCode('LINK_NOT_FOUND'));
        assert.equal(await port().resolve(code('gone')), null);
      });

      it('when the list is paged, then the pages are the same, and a bad cursor throws VALIDATION', async () => {
        const owner = freshOwner();
        for (const name of ['p1', 'p2', 'p3']) await port().create(owner, { url: 'https://example.com/', code: code(name), tags: [name] });
        const first = await port().list(owner, { limit: 2 });
        assert.deepEqual(first.items.map((l) => l.code), [code('p3'), code('p2')]);
        assert.ok(first.nextCursor);
        const second = await port().list(owner, { limit: 2, cursor: first.nextCursor });
        assert.deepEqual([second.items.map((l) => l.code), second.nextCursor], [[code('p1')], null]);
        assert.deepEqual((await port().list(owner, { limit: 10, tag: 'p2' })).items.map((l) => l.code), [code('p2')]);
        await assert.rejects(port().list(owner, { limit: 2, cursor: 'not-a-cursor' }), withCode('VALIDATION'));
      });

      it('when a code has a slash or odd characters, then it is not found, never another link', async () => {
        const owner = freshOwner();
        await port().create(owner, { url: 'https://example.com/', code: code('plain') });
        await assert.rejects(port().get(owner, `${code('plain')}/x`), withCode('LINK_NOT_FOUND'));
        await assert.rejects(port().get(owner, `${code('plain')}?x=1`), withCode('LINK_NOT_FOUND'));
        assert.equal(await port().resolve(`${code('plain')}/x`), null);
      });

      it('when many codes are resolved at once (a cold cache), then each gets its own answer, a code too long for any link null', async () => {
        const owner = freshOwner();
        const made = await Promise.all(['m1', 'm2', 'm3'].map((name, i) => port().create(owner, { url: `https://example.com/${i}`, code: code(name) })));
        const asked = [code('m1'), code('none'), code('m3'), 'x'.repeat(65), code('m2'), code('m1'), ...Array.from({ length: 250 }, (_, i) => code(`miss${i}`))];
        const answers = await Promise.all(asked.map((c) => port().resolve(c)));
        assert.deepEqual(answers.slice(0, 6).map((l) => l?.url ?? null), [made[0]!.url, null, made[2]!.url, null, made[1]!.url, made[0]!.url]);
        assert.ok(answers.slice(6).every((l) => l === null));
        // Asked as one list, in more than one call's worth: the same answers in the same order.
        assert.deepEqual(await port().resolveMany(asked), answers);
        assert.deepEqual(await port().resolveMany([]), []);
      });
    },
  );

  it('when the HTTP client resolves codes in one event-loop turn, then it asks links once per 200 of them', async () => {
    const calls: string[] = [];
    const server = await servePort('links', (app) => {
      app.addHook('onRequest', async (request) => void calls.push(`${request.method} ${request.url}`));
      app.register(linksInternalRoutes, { links: links(), guard: createInternalGuard(TOKEN), authenticate: createInternalAuthenticate(TOKEN) });
    });
    try {
      const client = createLinksClient(server.http);
      const created = await links().create(principal('batch-owner'), { url: 'https://example.com/batched' });
      const codes = [created.code, ...Array.from({ length: 249 }, (_, i) => `unknown-${i}`)];
      const answers = await Promise.all(codes.map((c) => client.resolve(c)));
      assert.equal(answers[0]?.url, 'https://example.com/batched');
      assert.equal(answers.filter((a) => a === null).length, 249);
      assert.deepEqual(calls, ['POST /internal/links/resolve', 'POST /internal/links/resolve']);
      // A later turn is a call of its own.
      assert.equal((await client.resolve(created.code))?.id, created.id);
      assert.equal(calls.length, 3);
      // Internal only: without the fleet's token nothing is answered; a malformed body is a 400.
      const raw = async (body: unknown, token?: string) => {
        const headers = { 'content-type': 'application/json', ...(token && { authorization: `Bearer ${token}` }) };
        return (await fetch(`${server.base}/internal/links/resolve`, { method: 'POST', headers, body: JSON.stringify(body) })).status;
      };
      assert.equal(await raw({ codes: [created.code] }), 401);
      assert.equal(await raw({ codes: [created.code] }, TOKEN), 200);
      assert.equal(await raw({ codes: 'not-a-list' }, TOKEN), 400);
      assert.equal(await raw({ codes: Array(201).fill('x') }, TOKEN), 400);
    } finally {
      await server.close();
    }
  });

  it('when codes are asked while a call is out, then they go together in the next call, not one call each', async () => {
    const bodies: string[][] = [];
    let releaseFirst = () => {};
    const firstHeld = new Promise<void>((resolve) => (releaseFirst = resolve));
    const server = await servePort('links', (app) => {
      app.addHook('preHandler', async (request) => {
        bodies.push((request.body as { codes: string[] }).codes);
        if (bodies.length === 1) await firstHeld;
      });
      app.register(linksInternalRoutes, { links: links(), guard: createInternalGuard(TOKEN), authenticate: createInternalAuthenticate(TOKEN) });
    });
    try {
      const client = createLinksClient(server.http);
      const created = await links().create(principal('coalesce-owner'), { url: 'https://example.com/coalesced' });
      const first = client.resolve(created.code);
      while (bodies.length === 0) await setImmediatePromise();
      // Three more turns while the first call is held by links: each asks one code.
      const later: Promise<unknown>[] = [];
      for (const c of ['later-1', 'later-2', created.code]) {
        later.push(client.resolve(c));
        await setImmediatePromise();
      }
      assert.equal(bodies.length, 1);
      releaseFirst();
      const answers = await Promise.all([first, ...later]);
      assert.deepEqual(answers.map((a) => (a as { url: string } | null)?.url ?? null), [created.url, null, null, created.url]);
      assert.deepEqual(bodies, [[created.code], ['later-1', 'later-2', created.code]]);
    } finally {
      releaseFirst();
      await server.close();
    }
  });

  it('when links is of an earlier release (no POST /internal/links/resolve), then the client asks one code at a time', async () => {
    const calls: string[] = [];
    // The internal route links served before this release, and nothing else.
    const server = await servePort('links', (app) => {
      app.addHook('onRequest', async (request) => void calls.push(`${request.method} ${request.url}`));
      app.get<{ Params: { code: string } }>('/internal/links/:code', async (request) => {
        const link = await links().resolve(request.params.code);
        if (!link) throw new AppError('LINK_NOT_FOUND', 'No such link.');
        return link;
      });
    });
    try {
      const client = createLinksClient(server.http);
      const created = await links().create(principal('old-release-owner'), { url: 'https://example.com/old-release' });
      const [found, unknown] = await Promise.all([client.resolve(created.code), client.resolve('not-a-link-at-all')]);
      assert.equal(found?.url, 'https://example.com/old-release');
      assert.equal(unknown, null);
      assert.deepEqual(calls.sort(), ['GET /internal/links/not-a-link-at-all', `GET /internal/links/${created.code}`, 'POST /internal/links/resolve'].sort());
    } finally {
      await server.close();
    }
  });
});

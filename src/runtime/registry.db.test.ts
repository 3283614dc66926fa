import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Authenticate } from '../common/http/principal.ts';
import { principalOf } from '../common/http/principal.ts';
import type { ModuleDescriptor } from '../common/module.ts';
import { loadConfig } from '../common/config.ts';
import { createScratch, type Scratch } from '../../test/support/test-support.ts';
import { withAuthAdmin } from './admin.ts';
import { connectPeers, createRemote, inStopOrder } from './assembly.ts';
import { createContext } from './context.ts';
import { buildMonolith } from './monolith.ts';
import { MODULES, moduleNamed, portOf, urlOf } from './registry.ts';

/**
 * A fifth module, written as a real one would be: its own descriptor (here inline, in its own
 * folder in real life) and one more entry in the module list. Nothing else in the runtime changes.
 */
const notesModule: ModuleDescriptor<{ count(): number }, { auth: { authenticate: Authenticate } }> = {
  name: 'notes',
  defaultPort: 8090,
  migrations: null,
  publicRoutes: [{ methods: ['GET'], url: '/api/notes' }],
  stopOrder: 25,
  needs: ['auth'],
  async build(_ctx, { auth }) {
    let served = 0;
    return {
      provides: { count: () => served },
      routes(app) {
        app.register(async (scope) => {
          scope.addHook('onRequest', auth.authenticate);
          scope.get('/api/notes', async (request) => ({ notes: [], for: principalOf(request).name, served: ++served }));
        });
      },
    };
  },
  connect: () => ({ count: () => 0 }),
};

describe('modules that describe themselves', () => {
  let scratch: Scratch;
  let key = '';
  const configFor = (dir: string) =>
    loadConfig({ DATABASE_URL: `sqlite:${join(dir, 'm.db')}`, LOG_LEVEL: 'silent', INTERNAL_TOKEN: 'x', DATA_DIR: dir });

  before(async () => {
    scratch = await createScratch('sqlite');
    key = (await withAuthAdmin(configFor(scratch.dir), (auth) => auth.createUser('nora'))).apiKey;
  });
  after(() => scratch.remove());

  it('when a fifth module is added to the list, then the monolith builds it with its peers and serves its routes', async () => {
    const monolith = await buildMonolith(configFor(scratch.dir), [...MODULES, notesModule]);
    try {
      const ok = await monolith.app.inject({ url: '/api/notes', headers: { authorization: `Bearer ${key}` } });
      assert.equal(ok.statusCode, 200, ok.body);
      assert.deepEqual(ok.json(), { notes: [], for: 'nora', served: 1 });
      // Its peer (auth) is the real one: no key, no notes.
      assert.equal((await monolith.app.inject({ url: '/api/notes' })).statusCode, 401);
      // The four others still answer beside it.
      assert.equal((await monolith.app.inject({ url: '/api/links', headers: { authorization: `Bearer ${key}` } })).statusCode, 200);
    } finally {
      await monolith.dispose();
    }
  });

  it('when a fifth module runs as its own service, then its peers come from their connect() and its port from its descriptor', () => {
    const modules = [...MODULES, notesModule];
    const config = configFor(scratch.dir);
    assert.equal(portOf(config, notesModule), 8090);
    assert.equal(urlOf(config, notesModule), 'http://127.0.0.1:8090');
    const { remote, ready } = createRemote(createContext(config, 'notes'), 8090, modules);
    const peers = connectPeers(notesModule, remote, modules);
    assert.deepEqual(Object.keys(peers), ['auth']);
    // The remote auth makes the notes process's readiness depend on auth answering.
    assert.deepEqual(Object.keys(ready), ['auth']);
  });

  it('when modules stop, then by their declared order: redirectors flush before links, analytics and auth', () => {
    assert.deepEqual(inStopOrder([...MODULES, notesModule]).map((m) => m.name), ['redirector', 'links', 'notes', 'analytics', 'auth']);
    assert.throws(() => moduleNamed('nope'), /No module "nope"/);
  });
});

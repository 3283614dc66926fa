import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sql } from 'kysely';
import { DIALECTS, useDatabase, withCode } from '../../../test/support/test-support.ts';
import { authMigrations, createAuthRepository, createAuthService, type AuthService } from './index.ts';

for (const dialect of DIALECTS) {
  describe(`auth service on ${dialect}`, () => {
    const database = useDatabase(dialect, { auth: authMigrations });
    const serviceTrusting = (names: string[]): AuthService =>
      createAuthService({ repository: createAuthRepository(database()), trustedUserNames: names });
    const auth = () => serviceTrusting([]);

    it('when a user is created, then its mlk_ key verifies as that user', async () => {
      const issued = await auth().createUser('alice', { admin: true });
      assert.match(issued.apiKey, /^mlk_[A-Za-z0-9_-]{32}$/);
      assert.equal(issued.prefix, issued.apiKey.slice(0, 14));
      assert.deepEqual(await auth().verify({ apiKey: issued.apiKey }), { id: issued.user.id, name: 'alice', isAdmin: true });
    });

    it('when a key is wrong, tampered with or malformed, then verify answers null', async () => {
      const { apiKey } = await auth().createUser('bob');
      const last = apiKey.at(-1) === 'A' ? 'B' : 'A';
      const tampered = apiKey.slice(0, -1) + last;
      const unknown = `mlk_${'x'.repeat(32)}`;
      for (const candidate of [tampered, unknown, apiKey.slice(0, -1), `${apiKey}x`, '', 'Bearer ' + apiKey]) {
        assert.equal(await auth().verify({ apiKey: candidate }), null, candidate);
      }
      // Still valid: the failures above were about the candidates, not the stored key.
      assert.equal((await auth().verify({ apiKey }))?.name, 'bob');
    });

    it('when a key is revoked, then it no longer verifies but the user’s other keys do', async () => {
      const first = await auth().createUser('carol');
      const second = await auth().createKey('carol');
      await auth().revokeKey(first.prefix);
      assert.equal(await auth().verify({ apiKey: first.apiKey }), null);
      assert.equal((await auth().verify({ apiKey: second.apiKey }))?.name, 'carol');
      await assert.rejects(auth().revokeKey(first.prefix), withCode('KEY_NOT_FOUND'));
    });

    it("when an owner revokes another user's key, then it is KEY_NOT_FOUND and the key still works", async () => {
      const victim = await auth().createUser('dave');
      const { user: attacker } = await auth().createUser('eve');
      await assert.rejects(auth().revokeKey(victim.prefix, attacker), withCode('KEY_NOT_FOUND'));
      assert.equal((await auth().verify({ apiKey: victim.apiKey }))?.name, 'dave');
    });

    it('when a user name is presented, then only listed names that exist are trusted', async () => {
      const header = serviceTrusting(['frank', 'ghost']);
      await header.ensureUsers(['frank']);
      await auth().createUser('grace');
      assert.equal((await header.verify({ userName: 'frank' }))?.name, 'frank');
      assert.equal(await header.verify({ userName: 'grace' }), null, 'exists but is not listed');
      assert.equal(await header.verify({ userName: 'ghost' }), null, 'listed but does not exist');
      assert.equal(await auth().verify({ userName: 'frank' }), null, 'apikey mode trusts no name');
    });

    it('when ensureUsers runs twice, then it creates each user once', async () => {
      await auth().ensureUsers(['heidi', 'ivan']);
      const before = await auth().countUsers();
      await auth().ensureUsers(['heidi', 'ivan']);
      assert.equal(await auth().countUsers(), before);
    });

    it('when a name is taken or malformed, then createUser throws USER_EXISTS or VALIDATION', async () => {
      await auth().createUser('judy');
      await assert.rejects(auth().createUser('judy'), withCode('USER_EXISTS'));
      await assert.rejects(auth().createUser('no spaces'), withCode('VALIDATION'));
      await assert.rejects(auth().createKey('nobody'), withCode('USER_NOT_FOUND'));
    });

    it('when a key is stored, then the table holds its prefix and a hash, never the key', async () => {
      const { apiKey, prefix } = await auth().createUser('mallory');
      const { rows } = await sql<Record<string, unknown>>`select * from auth_api_keys where prefix = ${prefix}`.execute(database().db);
      assert.equal(rows.length, 1);
      assert.match(String(rows[0]!.hash), /^[0-9a-f]{64}$/);
      // The part after the public prefix is the secret: no column may hold it.
      assert.ok(!JSON.stringify(rows).includes(apiKey.slice(prefix.length)));
    });

    it('when keys are listed, then the revoked one shows when it was revoked', async () => {
      const first = await auth().createUser('niaj');
      await auth().createKey('niaj');
      await auth().revokeKey(first.prefix);
      const keys = await auth().listKeys(first.user);
      assert.equal(keys.length, 2);
      assert.deepEqual(keys.filter((k) => k.revokedAt !== null).map((k) => k.prefix), [first.prefix]);
    });

    it('when users are listed, then each shows its admin flag and its count of active keys only', async () => {
      const first = await auth().createUser('olivia', { admin: true });
      await auth().createKey('olivia');
      await auth().revokeKey(first.prefix);
      await auth().createUser('peggy');
      const users = await auth().listUsers();
      const pick = (name: string) => users.find((u) => u.name === name);
      assert.deepEqual([pick('olivia')?.isAdmin, pick('olivia')?.activeKeys], [true, 1]);
      assert.deepEqual([pick('peggy')?.isAdmin, pick('peggy')?.activeKeys], [false, 1]);
      assert.deepEqual(users.map((u) => u.name), [...users.map((u) => u.name)].sort());
    });

    it('when a user is deleted, then its keys stop verifying, it is gone from every list, and a second delete is USER_NOT_FOUND', async () => {
      const issued = await auth().createUser('quentin');
      await auth().deleteUser('quentin');
      assert.equal(await auth().verify({ apiKey: issued.apiKey }), null);
      assert.equal((await auth().listUsers()).some((u) => u.name === 'quentin'), false);
      assert.equal((await auth().listAllKeys()).some((k) => k.user === 'quentin'), false);
      await assert.rejects(auth().deleteUser('quentin'), withCode('USER_NOT_FOUND'));
      await assert.rejects(auth().listAllKeys('quentin'), withCode('USER_NOT_FOUND'));
    });

    it('when a user with a password signs in, then a session that verifies as the user until it expires; a wrong password starts none', async () => {
      let now = Date.parse('2026-01-01T00:00:00Z');
      const clocked = createAuthService({ repository: createAuthRepository(database()), trustedUserNames: [], sessionTtlMs: 60_000, now: () => now });
      await clocked.createUser('rosa', { password: 'rosas password' });
      assert.equal(await clocked.startSession({ name: 'rosa', password: 'not her password' }), null);
      const session = await clocked.startSession({ name: 'rosa', password: 'rosas password' });
      assert.ok(session);
      assert.match(session.sessionId, /^[A-Za-z0-9_-]{43}$/);
      assert.equal((await clocked.verify({ session: session.sessionId }))?.name, 'rosa');
      const rows = await sql<{ id_hash: string }>`select id_hash from auth_sessions`.execute(database().db);
      assert.ok(rows.rows.every((r) => r.id_hash !== session.sessionId), 'the session id itself is never stored');
      now += 60_001;
      assert.equal(await clocked.verify({ session: session.sessionId }), null);
    });

    it('when a password is set, changed and removed, then only the current one signs in; a short one is refused', async () => {
      await auth().createUser('sam');
      assert.equal(await auth().startSession({ name: 'sam', password: '' }), null, 'no password, no sign-in');
      await auth().setPassword('sam', 'first password');
      await auth().setPassword('sam', 'second password');
      assert.equal(await auth().startSession({ name: 'sam', password: 'first password' }), null);
      assert.ok(await auth().startSession({ name: 'sam', password: 'second password' }));
      assert.equal((await auth().listUsers()).find((u) => u.name === 'sam')?.hasPassword, true);
      await assert.rejects(auth().setPassword('sam', 'short'), withCode('VALIDATION'));
      await assert.rejects(auth().setPassword('nobody', 'long enough'), withCode('USER_NOT_FOUND'));
      await auth().setPassword('sam', null);
      assert.equal(await auth().startSession({ name: 'sam', password: 'second password' }), null);
    });

    it('when a session ends or its user is deleted, then it no longer verifies', async () => {
      const { apiKey } = await auth().createUser('tess');
      const first = await auth().startSession({ apiKey });
      const second = await auth().startSession({ apiKey });
      assert.ok(first && second);
      await auth().endSession(first.sessionId);
      assert.equal(await auth().verify({ session: first.sessionId }), null);
      assert.equal((await auth().verify({ session: second.sessionId }))?.name, 'tess');
      await auth().endSession('not-a-session');
      await auth().deleteUser('tess');
      assert.equal(await auth().verify({ session: second.sessionId }), null);
    });
  });
}

import type { Kysely } from 'kysely';
import { withRetry, type Database } from '../../common/db.ts';

interface UserRow {
  id: string;
  name: string;
  is_admin: number;
  created_at: number;
  password_hash: string | null;
}

interface KeyRow {
  id: string;
  user_id: string;
  prefix: string;
  hash: string;
  created_at: number;
  revoked_at: number | null;
}

interface SessionRow {
  /** sha256 of the session id: the cookie's value is never stored. */
  id_hash: string;
  user_id: string;
  created_at: number;
  expires_at: number;
}

type AuthTables = {
  auth_users: UserRow;
  auth_api_keys: KeyRow;
  auth_sessions: SessionRow;
}

export type { UserRow, KeyRow, SessionRow };

/** The only code that touches the auth tables. */
export function createAuthRepository(database: Database) {
  const db: Kysely<AuthTables> = database.db.withTables<AuthTables>();
  return {
    findUserByName: (name: string) =>
      db.selectFrom('auth_users').selectAll().where('name', '=', name).executeTakeFirst(),

    /** The active key with this prefix, joined to its user. */
    findActiveKey: (prefix: string) =>
      db
        .selectFrom('auth_api_keys as k')
        .innerJoin('auth_users as u', 'u.id', 'k.user_id')
        .select(['k.hash', 'u.id', 'u.name', 'u.is_admin'])
        .where('k.prefix', '=', prefix)
        .where('k.revoked_at', 'is', null)
        .executeTakeFirst(),

    // Writes retry a lock held by another process on timers (withRetry), never in a busy wait.
    insertUser: (row: UserRow) => withRetry(() => db.insertInto('auth_users').values(row).execute()),

    insertKey: (row: KeyRow) => withRetry(() => db.insertInto('auth_api_keys').values(row).execute()),

    /** Returns how many users were changed (0 or 1). */
    async setPassword(userId: string, passwordHash: string | null): Promise<number> {
      const result = await withRetry(() => db.updateTable('auth_users').set({ password_hash: passwordHash }).where('id', '=', userId).executeTakeFirst());
      return Number(result.numUpdatedRows);
    },

    insertSession: (row: SessionRow) => withRetry(() => db.insertInto('auth_sessions').values(row).execute()),

    /** The unexpired session with this id hash, joined to its user. */
    findSession: (idHash: string, at: number) =>
      db
        .selectFrom('auth_sessions as s')
        .innerJoin('auth_users as u', 'u.id', 's.user_id')
        .select(['u.id', 'u.name', 'u.is_admin'])
        .where('s.id_hash', '=', idHash)
        .where('s.expires_at', '>', at)
        .executeTakeFirst(),

    deleteSession: (idHash: string) => withRetry(() => db.deleteFrom('auth_sessions').where('id_hash', '=', idHash).execute()),

    /** Forgets sessions that ended before `at`; returns how many. */
    async deleteExpiredSessions(at: number): Promise<number> {
      const result = await withRetry(() => db.deleteFrom('auth_sessions').where('expires_at', '<=', at).executeTakeFirst());
      return Number(result.numDeletedRows);
    },

    /** Returns how many keys were revoked (0 or 1). */
    async revokeKey(prefix: string, at: number, userId?: string): Promise<number> {
      let query = db.updateTable('auth_api_keys').set({ revoked_at: at }).where('prefix', '=', prefix).where('revoked_at', 'is', null);
      if (userId) query = query.where('user_id', '=', userId);
      const result = await withRetry(() => query.executeTakeFirst());
      return Number(result.numUpdatedRows);
    },

    listKeys: (userId: string) =>
      db
        .selectFrom('auth_api_keys')
        .select(['prefix', 'created_at', 'revoked_at'])
        .where('user_id', '=', userId)
        .orderBy('created_at', 'desc')
        .execute(),

    /** Every user with how many active keys it has, by name (the password hash only to say whether there is one). */
    listUsers: () =>
      db
        .selectFrom('auth_users as u')
        .leftJoin('auth_api_keys as k', (join) => join.onRef('k.user_id', '=', 'u.id').on('k.revoked_at', 'is', null))
        .select((eb) => ['u.name', 'u.is_admin', 'u.created_at', 'u.password_hash', eb.fn.count<number>('k.id').as('active_keys')])
        .groupBy(['u.id', 'u.name', 'u.is_admin', 'u.created_at', 'u.password_hash'])
        .orderBy('u.name')
        .execute(),

    /** Keys with their user's name, of one user or of everyone, newest first. */
    async listKeysWithUser(userId?: string) {
      let query = db
        .selectFrom('auth_api_keys as k')
        .innerJoin('auth_users as u', 'u.id', 'k.user_id')
        .select(['u.name', 'k.prefix', 'k.created_at', 'k.revoked_at'])
        .orderBy('k.created_at', 'desc');
      if (userId) query = query.where('k.user_id', '=', userId);
      return query.execute();
    },

    /** Deletes a user, its keys and its sessions in one transaction; returns how many users were deleted (0 or 1). */
    deleteUser: (userId: string) =>
      db.transaction().execute(async (trx) => {
        await trx.deleteFrom('auth_api_keys').where('user_id', '=', userId).execute();
        await trx.deleteFrom('auth_sessions').where('user_id', '=', userId).execute();
        const result = await trx.deleteFrom('auth_users').where('id', '=', userId).executeTakeFirst();
        return Number(result.numDeletedRows);
      }),

    async countUsers(): Promise<number> {
      const row = await db.selectFrom('auth_users').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      return Number(row.n);
    },
  };
}

export type AuthRepository = ReturnType<typeof createAuthRepository>;

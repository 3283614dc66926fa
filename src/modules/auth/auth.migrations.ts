import type { Kysely } from 'kysely';
import type { ModuleMigrations } from '../../common/db.ts';

export const authMigrations: ModuleMigrations = () => ({
  '001_users_and_keys': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('auth_users')
        .ifNotExists()
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('is_admin', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('auth_api_keys')
        .ifNotExists()
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('auth_users.id').onDelete('cascade'))
        .addColumn('prefix', 'text', (c) => c.notNull().unique())
        .addColumn('hash', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('revoked_at', 'bigint')
        .execute();
      await db.schema.createIndex('auth_api_keys_user').ifNotExists().on('auth_api_keys').column('user_id').execute();
    },
  },
  // Dashboard sign-in: an optional scrypt password per user, and sessions known by a hash of their id.
  '002_passwords_and_sessions': {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('auth_users').addColumn('password_hash', 'text').execute();
      await db.schema
        .createTable('auth_sessions')
        .ifNotExists()
        .addColumn('id_hash', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('auth_users.id').onDelete('cascade'))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('auth_sessions_user').ifNotExists().on('auth_sessions').column('user_id').execute();
    },
  },
});

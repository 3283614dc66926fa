import type { Kysely } from 'kysely';
import type { ModuleMigrations } from '../../common/db.ts';

export const linksMigrations: ModuleMigrations = () => ({
  '001_links': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('links')
        .ifNotExists()
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('code', 'text', (c) => c.notNull().unique())
        .addColumn('owner_id', 'text', (c) => c.notNull())
        .addColumn('url', 'text', (c) => c.notNull())
        .addColumn('title', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint')
        .addColumn('max_clicks', 'integer')
        .addColumn('password_hash', 'text')
        .addColumn('redirect_type', 'integer', (c) => c.notNull().defaultTo(302))
        .execute();
      await db.schema
        .createIndex('links_owner_created')
        .ifNotExists()
        .on('links')
        .columns(['owner_id', 'created_at', 'id'])
        .execute();
      await db.schema
        .createTable('links_tags')
        .ifNotExists()
        .addColumn('link_id', 'text', (c) => c.notNull().references('links.id').onDelete('cascade'))
        .addColumn('tag', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('links_tags_pk', ['link_id', 'tag'])
        .execute();
      await db.schema.createIndex('links_tags_tag').ifNotExists().on('links_tags').columns(['tag', 'link_id']).execute();
    },
  },
  // Targeting rules as one JSON text: always read and written whole, with the link; null = none.
  '002_targeting_rules': {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('links').addColumn('rules', 'text').execute();
    },
  },
});

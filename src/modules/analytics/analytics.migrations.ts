import type { Kysely } from 'kysely';
import type { ModuleMigrations } from '../../common/db.ts';

export const analyticsMigrations: ModuleMigrations = () => ({
  '001_clicks': {
    async up(db: Kysely<unknown>) {
      // Raw events, kept for audit and re-aggregation; reads never scan them.
      await db.schema
        .createTable('click_events')
        .ifNotExists()
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('link_id', 'text', (c) => c.notNull())
        .addColumn('owner_id', 'text', (c) => c.notNull())
        .addColumn('code', 'text', (c) => c.notNull())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('referrer', 'text')
        .addColumn('user_agent', 'text')
        .addColumn('visitor', 'text')
        .addColumn('country', 'text')
        .addColumn('is_bot', 'integer', (c) => c.notNull())
        .execute();
      // Hourly rollup: totals and series read these.
      await db.schema
        .createTable('click_hourly')
        .ifNotExists()
        .addColumn('link_id', 'text', (c) => c.notNull())
        .addColumn('hour', 'bigint', (c) => c.notNull())
        .addColumn('owner_id', 'text', (c) => c.notNull())
        .addColumn('code', 'text', (c) => c.notNull())
        .addColumn('humans', 'bigint', (c) => c.notNull())
        .addColumn('bots', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('click_hourly_pk', ['link_id', 'hour'])
        .execute();
      await db.schema.createIndex('click_hourly_owner').ifNotExists().on('click_hourly').columns(['owner_id', 'link_id']).execute();
      // Hourly breakdowns of human clicks by referrer, browser, os, device, country.
      await db.schema
        .createTable('click_dimensions')
        .ifNotExists()
        .addColumn('link_id', 'text', (c) => c.notNull())
        .addColumn('hour', 'bigint', (c) => c.notNull())
        .addColumn('dimension', 'text', (c) => c.notNull())
        .addColumn('value', 'text', (c) => c.notNull())
        .addColumn('count', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('click_dimensions_pk', ['link_id', 'hour', 'dimension', 'value'])
        .execute();
      // Distinct human visitors per link and day, for `unique`.
      await db.schema
        .createTable('click_visitors')
        .ifNotExists()
        .addColumn('link_id', 'text', (c) => c.notNull())
        .addColumn('day', 'bigint', (c) => c.notNull())
        .addColumn('visitor', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('click_visitors_pk', ['link_id', 'day', 'visitor'])
        .execute();
    },
  },
});

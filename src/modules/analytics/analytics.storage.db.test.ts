import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sql } from 'kysely';
import { migrate, type Database } from '../../common/db.ts';
import { DIALECTS, FIREFOX_UA, GOOGLEBOT_UA, clickEvent, principal, useDatabase } from '../../../test/support/test-support.ts';
import { analyticsMigrations, createAnalyticsQueries, createAnalyticsRepository, createClickIngestion, type ClickEvent } from './index.ts';

const T0 = Date.parse('2024-03-01T10:15:00Z');
const HOUR = 3_600_000;
const DAY = 86_400_000;

/** A new service on the database: fresh dictionary memory, as after a restart. */
const serviceOn = (database: Database) => {
  const repository = createAnalyticsRepository(database);
  return { ...createClickIngestion(repository), ...createAnalyticsQueries({ repository, now: () => T0 + 3 * HOUR }) };
};

const count = async (database: Database, query: ReturnType<typeof sql<{ n: number | string }>>) =>
  Number((await query.execute(database.db)).rows[0]!.n);

// Only the migrations before 003: the schema a database had before the upgrade.
const beforeUpgrade = (dialect: Parameters<typeof analyticsMigrations>[0]) => {
  const all = analyticsMigrations(dialect);
  return { '001_clicks': all['001_clicks']!, '002_database_id': all['002_database_id']! };
};

/** What the pre-003 ingestion left for one human click on link `up` by visitor `v-old`. */
async function storeOldClick(database: Database, id: string) {
  const hour = T0 - (T0 % HOUR);
  const day = T0 - (T0 % DAY);
  for (const statement of [
    sql`insert into click_events (id, link_id, owner_id, code, at, referrer, user_agent, visitor, country, is_bot)
        values (${id}, 'up', 'user-up', 'code-up', ${T0}, null, ${FIREFOX_UA}, 'v-old', 'FR', 0)`,
    sql`insert into click_hourly (link_id, hour, humans, bots) values ('up', ${hour}, 1, 0)`,
    sql`insert into click_dimensions (link_id, hour, dimension, value, count) values
        ('up', ${hour}, 'referrer', 'direct', 1), ('up', ${hour}, 'browser', 'Firefox', 1), ('up', ${hour}, 'os', 'Linux', 1),
        ('up', ${hour}, 'device', 'desktop', 1), ('up', ${hour}, 'country', 'FR', 1)`,
    sql`insert into click_visitors (link_id, day, visitor) values ('up', ${day}, 'v-old')`,
    sql`insert into click_daily_unique (link_id, day, visitors) values ('up', ${day}, 1)`,
    sql`insert into click_links (link_id, owner_id, code, humans, bots) values ('up', 'user-up', 'code-up', 1, 0)`,
    sql`insert into click_owners (owner_id, humans) values ('user-up', 1)`,
  ]) {
    await statement.execute(database.db);
  }
}

for (const dialect of DIALECTS) {
  describe(`analytics storage (ids, dictionaries, upgrade) on ${dialect}`, () => {
    describe('on a database clicked before migration 003', () => {
      const database = useDatabase(dialect, { analytics: beforeUpgrade });

      it('when an id stored before the upgrade is replayed after it, then it is a duplicate, and the old counts carry on', async () => {
        await storeOldClick(database(), '0192f3a4-aaaa-7bbb-8ccc-dddddddddddd');
        // Another sender's id with a '.', stored raw only: a dotted id in click_events makes every id be looked up there.
        await sql`insert into click_events (id, link_id, owner_id, code, at, is_bot) values ('other-sender.7', 'x', 'user-x', 'code-x', ${T0}, 0)`.execute(database().db);
        await migrate(database(), 'analytics', analyticsMigrations);
        const service = serviceOn(database());
        const up = (id: string, extra: Partial<ClickEvent> = {}) =>
          clickEvent('up', { id, at: T0, ownerId: 'user-up', code: 'code-up', userAgent: FIREFOX_UA, visitor: 'v-old', ...extra });
        const reply = await service.ingest([up('0192f3a4-aaaa-7bbb-8ccc-dddddddddddd'), up('other-sender.7'), up('new-batch.0'), up('new-batch.1', { visitor: 'v-new' })]);
        assert.deepEqual(reply, { accepted: 2, duplicates: 2 });
        const stats = await service.linkStats({ id: 'up', code: 'code-up' }, { interval: 'day' });
        // v-old was counted before the upgrade (click_visitors moved to click_uniques): one new unique, v-new.
        assert.deepEqual([stats.total, stats.unique, stats.bots], [3, 2, 0]);
        assert.deepEqual(stats.browsers, [{ value: 'Firefox', count: 3 }]);
        assert.deepEqual(await service.userClicks(principal('up')), { clicks: 3, top: [{ code: 'code-up', clicks: 3 }] });
      });
    });

    describe('on a database clicked by bots before migration 004', () => {
      const database = useDatabase(dialect, { analytics: (d) => ({ ...beforeUpgrade(d), '003_compact_clicks': analyticsMigrations(d)['003_compact_clicks']! }) });

      it('when 004 runs, then the bot clicks kept raw (before and after 003) fill the bot breakdowns, uniques and owner totals', async () => {
        const db = database().db;
        const hour = T0 - (T0 % HOUR);
        const day = T0 - (T0 % DAY);
        for (const statement of [
          // What 003's ingestion left for a human and a bot click (visitors h1, b1) on link `bb`. Ids far
          // above 1: PostgreSQL's identities do not move for rows given their id, and the test ingests after.
          sql`insert into click_link_keys (id, link_id, owner_id, code) values (901, 'bb', 'user-bb', 'code-bb')`,
          sql`insert into click_batches (id, batch_key) values (901, 'b4')`,
          sql`insert into click_agents (id, user_agent) values (901, ${GOOGLEBOT_UA}), (902, ${FIREFOX_UA})`,
          sql`insert into click_referrers (id, referrer) values (901, 'https://crawl.example/x')`,
          sql`insert into click_visitor_keys (id, visitor) values (901, 'b1'), (902, 'h1')`,
          sql`insert into click_raw (batch, seq, link, at, referrer, agent, visitor, country, is_bot) values
              (901, 0, 901, ${T0}, 901, 901, 901, 'US', 1), (901, 1, 901, ${T0}, null, 902, 902, 'FR', 0)`,
          sql`insert into click_uniques (day, visitor, link) values (${day}, 902, 901)`,
          // ...and a bot click stored before 003 (visitor b0), kept in click_events.
          sql`insert into click_events (id, link_id, owner_id, code, at, referrer, user_agent, visitor, country, is_bot)
              values ('old-bot', 'bb', 'user-bb', 'code-bb', ${T0}, null, ${GOOGLEBOT_UA}, 'b0', 'US', 1)`,
          sql`insert into click_hourly (link, hour, humans, bots) values (901, ${hour}, 1, 2)`,
          sql`insert into click_dimensions (link, hour, dimension, value, count) values
              (901, ${hour}, 'referrer', 'direct', 1), (901, ${hour}, 'browser', 'Firefox', 1), (901, ${hour}, 'os', 'Linux', 1),
              (901, ${hour}, 'device', 'desktop', 1), (901, ${hour}, 'country', 'FR', 1)`,
          sql`insert into click_daily_unique (link, day, visitors) values (901, ${day}, 1)`,
          sql`insert into click_links (link_id, owner_id, code, humans, bots) values ('bb', 'user-bb', 'code-bb', 1, 2)`,
          sql`insert into click_owners (owner_id, humans) values ('user-bb', 1)`,
          // An owner whose only clicks were bots had no click_owners row.
          sql`insert into click_links (link_id, owner_id, code, humans, bots) values ('bots-only', 'user-bots', 'code-bots', 0, 3)`,
        ]) {
          await statement.execute(db);
        }
        await migrate(database(), 'analytics', analyticsMigrations);
        const service = serviceOn(database());
        const ref = { id: 'bb', code: 'code-bb' };
        const only = await service.linkStats(ref, { interval: 'day' }, 'only');
        assert.deepEqual([only.total, only.unique, only.bots], [2, 2, 2]);
        assert.deepEqual(only.countries, [{ value: 'US', count: 2 }]);
        assert.deepEqual(only.referrers, [{ value: 'crawl.example', count: 1 }, { value: 'direct', count: 1 }]);
        const include = await service.linkStats(ref, { interval: 'day' }, 'include');
        assert.deepEqual([include.total, include.unique], [3, 3]);
        assert.deepEqual(include.countries, [{ value: 'US', count: 2 }, { value: 'FR', count: 1 }]);
        const exclude = await service.linkStats(ref, { interval: 'day' });
        assert.deepEqual([exclude.total, exclude.unique, exclude.countries], [1, 1, [{ value: 'FR', count: 1 }]]);
        assert.deepEqual(await service.userClicks(principal('bots'), 'only'), { clicks: 3, top: [{ code: 'code-bots', clicks: 3 }] });
        assert.deepEqual(await service.userClicks(principal('bots')), { clicks: 0, top: [] });
        // The same bot the next moment is not a new unique visitor of the day.
        await service.ingest([clickEvent('bb', { id: 'after.0', at: T0 + 1, ownerId: 'user-bb', code: 'code-bb', userAgent: GOOGLEBOT_UA, visitor: 'b1' })]);
        assert.deepEqual((await service.linkStats(ref, { interval: 'day' }, 'only')).unique, 2);
      });
    });

    describe('on a fresh database', () => {
      const database = useDatabase(dialect, { analytics: analyticsMigrations });
      const at = (id: string, extra: Partial<ClickEvent> = {}) => clickEvent('split', { id, at: T0, ...extra });

      // PostgreSQL only: SQLite has no fillfactor (it updates a row in place).
      if (dialect === 'postgres') {
        it('when migrated, then the rollup tables a window adds to keep room on their pages (fillfactor 70), and click_links does not', async () => {
          const { rows } = await sql<{ relname: string; reloptions: string[] | null }>`select relname, reloptions from pg_class
            where relkind = 'r' and relname in ('click_hourly', 'click_dimensions', 'click_daily_unique', 'click_owners', 'click_links')`.execute(database().db);
          const options = Object.fromEntries(rows.map((r) => [r.relname, r.reloptions]));
          assert.deepEqual(options, {
            click_hourly: ['fillfactor=70'],
            click_dimensions: ['fillfactor=70'],
            click_daily_unique: ['fillfactor=70'],
            click_owners: ['fillfactor=70'],
            click_links: null,
          });
        });
      }

      it('when a batch arrives split over calls and parts repeat, then each event is stored once', async () => {
        const service = serviceOn(database());
        const batch = Array.from({ length: 10 }, (_, i) => at(`p1-Ab-3f.${i.toString(36)}`));
        assert.deepEqual(await service.ingest(batch.slice(0, 5)), { accepted: 5, duplicates: 0 });
        assert.deepEqual(await service.ingest(batch.slice(3)), { accepted: 5, duplicates: 2 });
        assert.deepEqual(await serviceOn(database()).ingest(batch), { accepted: 0, duplicates: 10 });
        // Same batch key, ids that are not <batch>.<seq> in canonical form: distinct events.
        assert.deepEqual(await service.ingest([at('p1-Ab-3f'), at('p1-Ab-3f.01'), at('p1-Ab-3f.00')]), { accepted: 3, duplicates: 0 });
        assert.equal((await service.totalsFor(['split'])).get('split'), 13);
      });

      it('when a batch of several hundred clicks comes again in part, or repeats one within itself, then each event is stored once', async () => {
        // SQLite inserts raw rows fifty to a statement: a repeat anywhere in a chunk, or among the rows after the last chunk, must still be found.
        const service = serviceOn(database());
        const batch = Array.from({ length: 230 }, (_, i) => at(`big-7q.${i.toString(36)}`, { linkId: 'big', visitor: `v-${i % 40}` }));
        assert.deepEqual(await service.ingest(batch.slice(60, 70)), { accepted: 10, duplicates: 0 });
        assert.deepEqual(await service.ingest(batch.slice(225)), { accepted: 5, duplicates: 0 });
        assert.deepEqual(await service.ingest([...batch.slice(0, 120), batch[3]!]), { accepted: 110, duplicates: 11 });
        assert.deepEqual(await serviceOn(database()).ingest(batch), { accepted: 105, duplicates: 125 });
        const stats = await service.linkStats({ id: 'big', code: 'code-split' }, { interval: 'day' });
        assert.deepEqual([stats.total, stats.unique], [230, 40]);
        assert.equal(await count(database(), sql<{ n: number }>`select count(*) as n from click_raw r join click_link_keys k on k.id = r.link where k.link_id = 'big'`), 230);
      });

      it('when the same texts come in several calls and after a restart, then each dictionary holds them once', async () => {
        const texts = { linkId: 'dict-link', ownerId: 'user-dict', code: 'code-dict', userAgent: `${FIREFOX_UA} dict`, referrer: 'https://dict.example/x', visitor: 'v-dict' };
        const first = serviceOn(database());
        await first.ingest([at('d1.0', texts), at('d1.1', texts)]);
        await first.ingest([at('d2.0', texts)]);
        await serviceOn(database()).ingest([at('d3.0', texts), at('d3.1', texts)]);
        const rows = async (table: string, column: string, value: string) =>
          count(database(), sql<{ n: number }>`select count(*) as n from ${sql.table(table)} where ${sql.ref(column)} = ${value}`);
        assert.deepEqual(
          [
            await rows('click_link_keys', 'link_id', texts.linkId),
            await rows('click_agents', 'user_agent', texts.userAgent),
            await rows('click_referrers', 'referrer', texts.referrer),
            await rows('click_visitor_keys', 'visitor', texts.visitor),
            await rows('click_batches', 'batch_key', 'd1'),
          ],
          [1, 1, 1, 1, 1],
        );
        assert.equal(await count(database(), sql<{ n: number }>`select count(*) as n from click_raw r join click_link_keys k on k.id = r.link where k.link_id = ${texts.linkId}`), 5);
        assert.equal((await first.linkStats({ id: texts.linkId, code: texts.code }, { interval: 'day' })).unique, 1);
      });

      it('when a transaction fails after making dictionary rows, then the retry makes them again and the stats are whole', async () => {
        const service = serviceOn(database());
        const texts = { linkId: 'rolled-back', ownerId: 'user-rb', code: 'code-rb', visitor: 'v-rb', referrer: 'https://rb.example/' };
        const events = [at('rb.0', texts), at('rb.1', texts)];
        const fail = dialect === 'sqlite'
          ? [sql`create trigger fail_hourly before insert on click_hourly begin select raise(abort, 'refused'); end`]
          : [
              sql`create function refuse() returns trigger language plpgsql as $$ begin raise exception 'refused'; end $$`,
              sql`create trigger fail_hourly before insert on click_hourly for each row execute function refuse()`,
            ];
        for (const statement of fail) await statement.execute(database().db);
        await assert.rejects(service.ingest(events), /refused/);
        await sql`drop trigger fail_hourly${sql.raw(dialect === 'sqlite' ? '' : ' on click_hourly')}`.execute(database().db);
        assert.equal(await count(database(), sql<{ n: number }>`select count(*) as n from click_link_keys where link_id = 'rolled-back'`), 0);
        assert.deepEqual(await service.ingest(events), { accepted: 2, duplicates: 0 });
        const stats = await service.linkStats({ id: texts.linkId, code: texts.code }, { interval: 'day' });
        assert.deepEqual([stats.total, stats.unique, stats.referrers], [2, 1, [{ value: 'rb.example', count: 2 }]]);
      });

      it('when a mixed batch is ingested (old and new ids, bots, repeats, two days), then every stat is exact', async () => {
        const service = serviceOn(database());
        const m = (id: string, extra: Partial<ClickEvent> = {}) => clickEvent('mixed', { id, at: T0, ownerId: 'user-mixed', code: 'code-mixed', ...extra });
        const events = [
          m('mx.0', { visitor: 'a', referrer: 'https://news.example.com/1', country: 'de' }),
          m('mx.1', { visitor: 'a', referrer: 'https://NEWS.example.com/2', country: 'DE', userAgent: FIREFOX_UA }),
          m('mx.2', { visitor: 'b', at: T0 + HOUR }),
          m('mx.3', { visitor: 'bot', userAgent: GOOGLEBOT_UA }),
          m('old-style-id', { visitor: 'a', at: T0 + DAY }),
          m('mx.0', { visitor: 'ignored' }),
        ];
        assert.deepEqual(await service.ingest(events.slice(0, 3)), { accepted: 3, duplicates: 0 });
        assert.deepEqual(await service.ingest(events.slice(2)), { accepted: 2, duplicates: 2 });
        const stats = await service.linkStats({ id: 'mixed', code: 'code-mixed' }, { interval: 'day', to: T0 + 2 * DAY });
        assert.deepEqual([stats.total, stats.unique, stats.bots], [4, 3, 1]);
        assert.deepEqual(stats.series, [{ t: '2024-03-01T00:00:00.000Z', count: 3 }, { t: '2024-03-02T00:00:00.000Z', count: 1 }, { t: '2024-03-03T00:00:00.000Z', count: 0 }]);
        assert.deepEqual(stats.referrers, [{ value: 'direct', count: 2 }, { value: 'news.example.com', count: 2 }]);
        assert.deepEqual(stats.browsers, [{ value: 'Chrome', count: 3 }, { value: 'Firefox', count: 1 }]);
        assert.deepEqual(stats.countries, [{ value: 'DE', count: 2 }, { value: 'unknown', count: 2 }]);
        const hourly = await service.linkStats({ id: 'mixed', code: 'code-mixed' }, { interval: 'hour', from: T0, to: T0 + HOUR });
        assert.deepEqual(hourly.series.map((p) => p.count), [2, 1]);
        assert.deepEqual(await service.userClicks(principal('mixed')), { clicks: 4, top: [{ code: 'code-mixed', clicks: 4 }] });
        assert.deepEqual(await service.totalsFor(['mixed']), new Map([['mixed', 4]]));
        const only = await service.linkStats({ id: 'mixed', code: 'code-mixed' }, { interval: 'day', to: T0 + 2 * DAY }, 'only');
        assert.deepEqual([only.total, only.unique, only.bots, only.series.map((p) => p.count)], [1, 1, 1, [1, 0, 0]]);
        assert.deepEqual([only.browsers, only.countries], [[{ value: 'Googlebot', count: 1 }], [{ value: 'unknown', count: 1 }]]);
        const all = await service.linkStats({ id: 'mixed', code: 'code-mixed' }, { interval: 'day', to: T0 + 2 * DAY }, 'include');
        assert.deepEqual([all.total, all.unique, all.series.map((p) => p.count)], [5, 4, [4, 1, 0]]);
        assert.deepEqual(all.countries, [{ value: 'unknown', count: 3 }, { value: 'DE', count: 2 }]);
        assert.deepEqual(await service.userClicks(principal('mixed'), 'include'), { clicks: 5, top: [{ code: 'code-mixed', clicks: 5 }] });
        assert.deepEqual(await service.userClicks(principal('mixed'), 'only'), { clicks: 1, top: [{ code: 'code-mixed', clicks: 1 }] });
      });

      it('when a text holds a lone surrogate (JSON allows one, UTF-8 cannot hold it), then the click is stored with U+FFFD in its place', async () => {
        const service = serviceOn(database());
        const lone = clickEvent('lone', { id: 'lone.0', at: T0, ownerId: 'user-lone', code: 'code-lone', referrer: 'https://lone.example/\ud800', userAgent: 'Agent/\udfff 1.0' });
        assert.deepEqual(await service.ingest([lone]), { accepted: 1, duplicates: 0 });
        const texts = await sql<{ referrer: string; user_agent: string }>`select f.referrer, a.user_agent from click_raw r
          join click_link_keys k on k.id = r.link join click_referrers f on f.id = r.referrer join click_agents a on a.id = r.agent
          where k.link_id = 'lone'`.execute(database().db);
        assert.deepEqual(texts.rows, [{ referrer: 'https://lone.example/\ufffd', user_agent: 'Agent/\ufffd 1.0' }]);
      });

      it('when texts hold quotes, backslashes, braces, commas or the word NULL, then they are stored as sent', async () => {
        // PostgreSQL gets each column as an array literal ({"a","b",NULL}): its own syntax in a text must stay text.
        const service = serviceOn(database());
        const odd = { linkId: 'odd', ownerId: 'user-odd', code: 'code-odd', referrer: 'https://odd.example/?q={"a":[1,2]}\\,', userAgent: 'Agent "NULL" \\ {x}, y' };
        const events = [at('odd.0', { ...odd, target: 'NULL' }), at('odd.1', { ...odd, target: '"},{\\' }), at('odd.2', { ...odd, userAgent: 'NULL', referrer: '' })];
        assert.deepEqual(await service.ingest(events), { accepted: 3, duplicates: 0 });
        const texts = await sql<{ referrer: string | null; user_agent: string | null; target: string | null }>`select f.referrer, a.user_agent, r.target from click_raw r
          join click_link_keys k on k.id = r.link left join click_referrers f on f.id = r.referrer left join click_agents a on a.id = r.agent
          where k.link_id = 'odd' order by r.seq`.execute(database().db);
        assert.deepEqual(texts.rows, [
          { referrer: odd.referrer, user_agent: odd.userAgent, target: 'NULL' },
          { referrer: odd.referrer, user_agent: odd.userAgent, target: '"},{\\' },
          { referrer: '', user_agent: 'NULL', target: null },
        ]);
      });
    });
  });
}

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { migrate, openDatabase, type Database } from '../../common/db.ts';
import { clickEvent, createScratch, silentLogger, type Scratch } from '../../../test/support/test-support.ts';
import { analyticsMigrations, createAnalyticsRepository, createClickWriter, createIngest, createSpool, createWriterSpool, type ClickEvent } from './index.ts';
import { counted } from './analytics.test-server.ts';

describe('click writer with a spool, on real SQLite databases', () => {
  let scratch: Scratch;
  const databases: Database[] = [];
  before(async () => (scratch = await createScratch('sqlite')));
  after(async () => {
    for (const d of databases) await d.close();
    await scratch.remove();
  });
  const newDatabase = async () => {
    const database = openDatabase(`sqlite:${join(scratch.dir, `w-${databases.length}.db`)}`);
    await migrate(database, 'analytics', analyticsMigrations);
    databases.push(database);
    return database;
  };
  const stored = async (database: Database, linkId: string) =>
    (await createAnalyticsRepository(database).totalsFor([linkId])).get(linkId) ?? 0;

  /** A writer as the monolith builds one, on `database`, spooling into `dir`; `ingest` may be replaced by a failing one. */
  async function writerOn(database: Database, dir: string, ingest = createIngest(createAnalyticsRepository(database)), spillAfterMs = 5_000) {
    const registry = new Registry();
    const spool = createWriterSpool({
      spool: createSpool(dir),
      databaseId: await createAnalyticsRepository(database).databaseId(),
      ingest,
      registry,
      logger: silentLogger,
    });
    const writer = createClickWriter({ ingest, flushMs: 60_000, batchMax: 100_000, registry, logger: silentLogger, spool, spillAfterMs, replayEveryMs: 50 });
    const metric = (name: string) => counted(registry, name);
    return { writer, metric };
  }
  const refusing = async (): Promise<never> => {
    throw new Error('relation "click_events" does not exist');
  };
  const until = async (check: () => Promise<boolean>, ms = 5_000) => {
    const deadline = Date.now() + ms;
    while (!(await check()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  };

  it('when the database refuses writes at close, then close spools the buffer, and the next writer on it writes it back', async () => {
    const database = await newDatabase();
    const dir = join(scratch.dir, 'spool-close');
    const down = await writerOn(database, dir, refusing);
    for (let i = 0; i < 1_200; i++) down.writer.record(clickEvent('w-close'));
    await down.writer.close();
    assert.equal(await down.metric('morphlink_clicks_spooled_total'), 1_200);

    const up = await writerOn(database, dir);
    await until(async () => (await stored(database, 'w-close')) === 1_200);
    assert.equal(await stored(database, 'w-close'), 1_200);
    assert.equal(await up.metric('morphlink_clicks_replayed_total'), 1_200);
    await up.writer.close();
  });

  it('when writes keep failing past spillAfterMs, then the buffer moves to the spool and memory is freed', async () => {
    const database = await newDatabase();
    const { writer, metric } = await writerOn(database, join(scratch.dir, 'spool-spill'), refusing, 0);
    const clicks: ClickEvent[] = Array.from({ length: 10 }, () => clickEvent('w-spill'));
    for (const click of clicks) writer.record(click);
    await assert.rejects(writer.flush());
    assert.equal(await metric('morphlink_clicks_spooled_total'), 10);
    assert.equal(await metric('morphlink_clicks_buffered'), 0);
  });

  it('when a spool was written for database A, then a writer on database B leaves it, and a writer on A writes it', async () => {
    const [a, b] = [await newDatabase(), await newDatabase()];
    const dir = join(scratch.dir, 'spool-ab');
    const onA = await writerOn(a, dir, refusing);
    for (let i = 0; i < 5; i++) onA.writer.record(clickEvent('w-ab'));
    await onA.writer.close();

    const onB = await writerOn(b, dir);
    await until(async () => (await onB.metric('morphlink_clicks_foreign_total')) === 5);
    assert.equal(await onB.metric('morphlink_clicks_foreign_total'), 5);
    assert.equal(await stored(b, 'w-ab'), 0);
    await onB.writer.close();

    const backOnA = await writerOn(a, dir);
    await until(async () => (await stored(a, 'w-ab')) === 5);
    assert.equal(await stored(a, 'w-ab'), 5);
    assert.equal(await stored(b, 'w-ab'), 0);
    await backOnA.writer.close();
  });
});

import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { eventually } from '../../../test/contract/fixtures.ts';
import { migrate, openDatabase, type Database } from '../../common/db.ts';
import { AppError } from '../../common/errors.ts';
import { clickEvent, createScratch, type Scratch } from '../../../test/support/test-support.ts';
import { analyticsMigrations, createAnalyticsRepository, createClickIngestion, createSpool, type ClickEvent } from './index.ts';
import { startEventsServer, startJournal, startSender } from './analytics.test-server.ts';
import { CLICK_FRAMES_MEDIA_TYPE, encodeClickFrame } from './analytics.click-frame.ts';

/** Every event id in the spool files of `dir` that replay would read (not quarantine, not foreign). */
const spooledIds = (dir: string): string[] =>
  existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => /^(spool|replay-\d+)\.ndjson$/.test(f))
        .flatMap((f) => readFileSync(join(dir, f), 'utf8').split('\n').filter(Boolean))
        .flatMap((line) => {
          const parsed = JSON.parse(line) as ClickEvent[] | { events: ClickEvent[] };
          return (Array.isArray(parsed) ? parsed : parsed.events).map((e) => e.id);
        })
    : [];

describe('click sender under faults, against real analytics servers (sqlite)', () => {
  let scratch: Scratch;
  let spools = 0;
  const databases: Database[] = [];
  const freshDir = () => join(scratch.dir, `spool-${++spools}`);
  /** A new analytics database (its own SQLite file, so its own database id). */
  const newDatabase = async () => {
    const database = openDatabase(`sqlite:${join(scratch.dir, `analytics-${databases.length}.db`)}`);
    await migrate(database, 'analytics', analyticsMigrations);
    databases.push(database);
    return database;
  };
  const stored = async (database: Database, linkId: string) =>
    (await createAnalyticsRepository(database).totalsFor([linkId])).get(linkId) ?? 0;
  before(async () => (scratch = await createScratch('sqlite')));
  after(async () => {
    for (const d of databases) await d.close();
    await scratch.remove();
  });

  it('when analytics refuses a batch as too large, then only the refused event is quarantined and the rest are sent', async (t) => {
    const database = await newDatabase();
    const server = await startEventsServer(t, database, { bodyLimitBytes: 4_096 });
    const dir = freshDir();
    const { sender, spool, totals } = startSender(t, server.port, dir);
    const huge = clickEvent('q-413', { referrer: `https://r.example/${'z'.repeat(8_000)}` });
    for (const click of [clickEvent('q-413'), huge, clickEvent('q-413'), clickEvent('q-413')]) sender.record(click);
    await sender.flush();
    assert.deepEqual(await totals(), { sent: 3, spooled: 0, replayed: 3, quarantined: 1, foreign: 0, dropped: 0 });
    assert.equal(spool.isEmpty(), true);
    const quarantined = readFileSync(join(dir, 'quarantine.ndjson'), 'utf8').trim().split('\n');
    assert.equal(quarantined.length, 1);
    assert.deepEqual((JSON.parse(quarantined[0]!) as { events: ClickEvent[] }).events.map((e) => e.id), [huge.id]);
    // Later clicks are not held up behind it.
    sender.record(clickEvent('q-413'));
    await sender.flush();
    assert.equal((await totals()).sent, 4);
    assert.equal(await stored(database, 'q-413'), 4);
  });

  it('when analytics rejects one malformed item, then the others count and that item is quarantined', async (t) => {
    const database = await newDatabase();
    const server = await startEventsServer(t, database);
    const dir = freshDir();
    const { sender, totals } = startSender(t, server.port, dir);
    sender.record(clickEvent('q-item'));
    sender.record({ ...clickEvent('q-item'), at: -5 });
    sender.record(clickEvent('q-item'));
    await sender.flush();
    assert.deepEqual(await totals(), { sent: 2, spooled: 0, replayed: 2, quarantined: 1, foreign: 0, dropped: 0 });
    assert.equal(await stored(database, 'q-item'), 2);
    assert.equal(readFileSync(join(dir, 'quarantine.ndjson'), 'utf8').trim().split('\n').length, 1);
  });

  /** Turns framed as the journal frames them: one per list of clicks; returns the ids the frames name. */
  const recordTurns = (sender: { recordFrame(frame: Uint8Array, count: number): void }, batch: string, turns: ClickEvent[][]) =>
    turns.flatMap((clicks, t) => {
      sender.recordFrame(encodeClickFrame(`${batch}-${t}`, clicks.map(({ id: _id, ...click }) => click)), clicks.length);
      return clicks.map((_, i) => `${batch}-${t}.${i.toString(36)}`);
    });
  const quarantinedIds = (dir: string) =>
    readFileSync(join(dir, 'quarantine.ndjson'), 'utf8').trim().split('\n').flatMap((line) => (JSON.parse(line) as { events: ClickEvent[] }).events.map((e) => e.id));

  it('when analytics refuses a body of frames as too large, then the clicks are sent again as events and only the refused one is quarantined', async (t) => {
    const database = await newDatabase();
    const server = await startEventsServer(t, database, { bodyLimitBytes: 4_096 });
    const dir = freshDir();
    const { sender, totals } = startSender(t, server.port, dir);
    const huge = clickEvent('qf-413', { referrer: `https://r.example/${'z'.repeat(8_000)}` });
    const ids = recordTurns(sender, 'qf-413', [[clickEvent('qf-413'), huge], [clickEvent('qf-413'), clickEvent('qf-413')]]);
    await sender.flush();
    assert.deepEqual(await totals(), { sent: 3, spooled: 0, replayed: 0, quarantined: 1, foreign: 0, dropped: 0 });
    assert.deepEqual(quarantinedIds(dir), [ids[1]]);
    assert.equal(await stored(database, 'qf-413'), 3);
    // The frames once (413), then JSON halved: 4 events (413), 2 (413), 1, 1 (413), 2.
    assert.deepEqual(server.bodies, [CLICK_FRAMES_MEDIA_TYPE, ...Array<string>(5).fill('application/json')]);
  });

  it('when analytics rejects one framed click, then the others count and that click is quarantined under its id', async (t) => {
    const database = await newDatabase();
    const server = await startEventsServer(t, database);
    const dir = freshDir();
    const { sender, totals } = startSender(t, server.port, dir);
    const ids = recordTurns(sender, 'qf-item', [[clickEvent('qf-item')], [clickEvent('qf-item'), { ...clickEvent('qf-item'), at: -5 }]]);
    await sender.flush();
    assert.deepEqual(await totals(), { sent: 2, spooled: 0, replayed: 0, quarantined: 1, foreign: 0, dropped: 0 });
    assert.deepEqual(quarantinedIds(dir), [ids[2]]);
    assert.equal(await stored(database, 'qf-item'), 2);
    // One body of frames: the rejected click's index told the sender which one it was.
    assert.deepEqual(server.bodies, [CLICK_FRAMES_MEDIA_TYPE]);
  });

  it('when analytics stops answering part-way through a batch sent in several bodies, then only what it did not take is let go, and a rejected click is quarantined once', async (t) => {
    const database = await newDatabase();
    // An analytics of 0.1.x (415 for frames) that goes down after the first JSON body it takes.
    let down = true;
    const refuse = (type: string, before: number) =>
      type === CLICK_FRAMES_MEDIA_TYPE ? new AppError('UNSUPPORTED_MEDIA_TYPE', 'Send the body as application/json.')
      : before >= 2 && down ? new AppError('UNAVAILABLE', 'going down')
      : null;
    const server = await startEventsServer(t, database, { refuse });
    const dir = freshDir();
    const { sender, totals } = startSender(t, server.port, dir, { batchMax: 5_000 });
    // 1,200 clicks in 12 turns, one of them invalid in the first 500: one batch of frames, then JSON bodies of 500, 500, 200.
    const turns = Array.from({ length: 12 }, (_, turn) => Array.from({ length: 100 }, (_, i) => (turn === 0 && i === 7 ? { ...clickEvent('q-part'), at: -5 } : clickEvent('q-part'))));
    const ids = recordTurns(sender, 'q-part', turns);
    await assert.rejects(sender.flush(), /did not take 700 clicks/);
    // The first body: 499 taken, 1 quarantined; the second answered 503: it and the third let go, nothing more.
    assert.deepEqual(await totals(), { sent: 499, spooled: 700, replayed: 0, quarantined: 1, foreign: 0, dropped: 0 });
    assert.equal(sender.lost(), 700);
    assert.deepEqual(spooledIds(dir), [], 'no spool: the journal keeps what was let go');
    assert.deepEqual(quarantinedIds(dir), [ids[7]]);

    // Analytics answers again, and the journal hands the whole segment over, as events: the
    // refused click comes back too, and is not quarantined a second time.
    down = false;
    await sender.reach();
    turns.flat().forEach((click, n) => sender.record({ ...click, id: ids[n]! }));
    await sender.flush();
    assert.equal(await stored(database, 'q-part'), 1_199);
    assert.deepEqual(quarantinedIds(dir), [ids[7]]);
    assert.equal((await totals()).quarantined, 1);
  });

  it('when analytics accepts connections but never answers, then the sender lets the clicks go within about a second, and the journal hands them over once it answers', async (t) => {
    const sockets = new Set<Socket>();
    const hung = createServer((socket) => void sockets.add(socket));
    await new Promise<void>((resolve) => hung.listen(0, '127.0.0.1', resolve));
    const port = (hung.address() as { port: number }).port;
    const closeHung = () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      hung.close(() => resolve());
    });
    t.after(closeHung);
    const dir = freshDir();
    const { sender, totals, registry } = startSender(t, port, dir);
    const { visits, segments } = startJournal(t, sender, join(dir, 'journal'), { registry });
    const started = Date.now();
    // On disk at once: the journal writes a turn before its redirects go out.
    await visits('hang', 50);
    assert.ok(segments().length >= 1);
    await eventually(totals, (n) => n.spooled >= 50, 3_000);
    const tookMs = Date.now() - started;
    t.diagnostic(`50 clicks let go ${tookMs} ms after they were journaled (send timeout 1,000 ms)`);
    assert.ok(tookMs < 1_600, `let go after ${tookMs} ms`);

    await closeHung();
    const database = await newDatabase();
    await startEventsServer(t, database, { port });
    assert.equal(await eventually(() => stored(database, 'hang'), (n) => n === 50, 10_000), 50);
    assert.equal((await totals()).replayed, 50);
  });

  it('when analytics comes back on another database, then the journal sets the kept clicks aside, and hands them to their own once it answers', async (t) => {
    const [a, b] = [await newDatabase(), await newDatabase()];
    const serverA = await startEventsServer(t, a);
    const dir = freshDir();
    const { sender, totals, registry } = startSender(t, serverA.port, dir);
    const { visits } = startJournal(t, sender, join(dir, 'journal'), { registry });
    await visits('aside', 1);
    await eventually(() => stored(a, 'aside'), (n) => n === 1, 2_000);
    await serverA.stop();
    await visits('aside', 3);
    await eventually(totals, (n) => n.spooled >= 3, 3_000);

    // Another analytics database on the same address: the three kept clicks must stay out of it.
    const serverB = await startEventsServer(t, b, { port: serverA.port });
    await eventually(totals, (n) => n.foreign === 3, 3_000);
    await visits('aside', 2);
    assert.equal(await eventually(() => stored(b, 'aside'), (n) => n === 2, 2_000), 2, 'only the clicks made while B answers');
    await serverB.stop();

    // B goes away with a click kept for it; A answers: that click is set aside for B, and the three
    // set aside for A are adopted and handed over.
    await visits('aside', 1);
    await eventually(totals, (n) => n.spooled >= 4, 3_000);
    await startEventsServer(t, a, { port: serverA.port });
    assert.equal(await eventually(() => stored(a, 'aside'), (n) => n === 4, 5_000), 4);
    assert.equal((await eventually(totals, (n) => n.foreign === 4, 2_000)).foreign, 4);
    assert.equal(await stored(b, 'aside'), 2);
  });

  it('when analytics moved to another database while no click came, then an outage after it keeps the clicks for the new one', async (t) => {
    const [a, b] = [await newDatabase(), await newDatabase()];
    const serverA = await startEventsServer(t, a);
    const dir = freshDir();
    const { sender, totals, registry } = startSender(t, serverA.port, dir);
    const { visits } = startJournal(t, sender, join(dir, 'journal'), { registry });
    await visits('moved', 1);
    await eventually(() => stored(a, 'moved'), (n) => n === 1, 2_000);
    // Restarted on database B between two clicks: no send failed, so nothing asked who answers now.
    await serverA.stop();
    const serverB = await startEventsServer(t, b, { port: serverA.port });
    await visits('moved', 2);
    await eventually(() => stored(b, 'moved'), (n) => n === 2, 2_000);
    // Rotations that find every click stored name the database the journal's clicks are meant for.
    await new Promise((resolve) => setTimeout(resolve, 200));

    // B goes down and comes back: the clicks of its outage are B's, not set aside for A.
    await serverB.stop();
    await visits('moved', 3);
    await eventually(totals, (n) => n.spooled >= 3, 3_000);
    await startEventsServer(t, b, { port: serverA.port });
    assert.equal(await eventually(() => stored(b, 'moved'), (n) => n === 5, 5_000), 5);
    assert.equal((await totals()).foreign, 0);
    assert.equal(await stored(a, 'moved'), 1);
  });

  it('when an earlier version spooled clicks for database A, then they are never replayed into database B, and are replayed into A', async (t) => {
    const [a, b] = [await newDatabase(), await newDatabase()];
    const dir = freshDir();
    const idOf = (database: Database) => createClickIngestion(createAnalyticsRepository(database)).databaseId();
    createSpool(dir).append([0, 1, 2].map(() => clickEvent('db-a')), await idOf(a));

    // Another analytics database answers: the spool must stay out of it.
    const serverB = await startEventsServer(t, b);
    const onB = startSender(t, serverB.port, dir);
    const seenB = await eventually(onB.totals, (n) => n.foreign >= 3, 5_000);
    assert.equal(seenB.foreign, 3);
    assert.equal(seenB.replayed, 0);
    assert.equal(await stored(b, 'db-a'), 0);
    await onB.close();
    await serverB.stop();

    const backOnA = await startEventsServer(t, a, { port: serverB.port });
    const onA = startSender(t, backOnA.port, dir);
    const seenA = await eventually(onA.totals, (n) => n.replayed >= 3, 5_000);
    assert.equal(seenA.replayed, 3);
    assert.equal(await stored(a, 'db-a'), 3);
    assert.equal(onA.spool.isEmpty(), true);
  });
});

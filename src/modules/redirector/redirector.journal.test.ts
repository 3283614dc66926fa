import assert from 'node:assert/strict';
import fs, { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { CHROME_UA, FIREFOX_UA, nextTurn, silentLogger } from '../../../test/support/test-support.ts';
import { decodeClickFrames, encodeClickFrame, type ClickEvent } from '../analytics/index.ts';
import type { ResolvedLink } from '../links/index.ts';
import { createClickJournal, type ClickJournal } from './redirector.journal.ts';
import type { Visit } from './redirector.service.ts';

const link: ResolvedLink = {
  id: 'id-abc', code: 'abc', url: 'https://example.com/abc', ownerId: 'owner', expiresAt: null, maxClicks: null, redirectType: 302, passwordHash: null, rules: [],
};
const visit = (ip: string, userAgent = CHROME_UA): Visit => ({ code: 'abc', query: '', ip, userAgent, referrer: null, country: null });

/** A sink that keeps what it is handed; `fail` makes its flush reject (a database that is down). */
function sink() {
  const clicks: ClickEvent[] = [];
  const state = { fail: false, flushes: 0 };
  return {
    clicks,
    state,
    record: (click: ClickEvent) => void clicks.push(click),
    flush: async () => {
      state.flushes++;
      if (state.fail) throw new Error('database down');
    },
  };
}

const segments = (dir: string) => readdirSync(dir).filter((name) => name.endsWith('.clk'));
/** The batches a segment holds, as the next process would read them. */
const framesOf = (path: string) => decodeClickFrames(readFileSync(path));

// On a real directory: the journal is files, and what it promises is about files.
describe('the click journal', () => {
  const root = mkdtempSync(join(tmpdir(), 'morphlink-journal-'));
  const open: ClickJournal[] = [];
  const journal = (dir: string, to: ReturnType<typeof sink>, visitorId: (ip: string, ua: string) => string = (ip) => `v-${ip}`) => {
    const made = createClickJournal({ dir, fsyncMs: 10, rotateMs: 60_000, visitorId, sink: to, logger: silentLogger });
    open.push(made);
    return made;
  };
  after(async () => {
    for (const j of open) await j.close().catch(() => undefined);
    rmSync(root, { recursive: true, force: true });
  });

  it('when clicks are recorded in one turn, then they are written as one frame before any of their redirects is answered', async () => {
    const dir = join(root, 'turn');
    const to = sink();
    const clicks = journal(dir, to);
    const framesWhenAnswered: number[] = [];
    const answer = () => framesWhenAnswered.push(framesOf(join(dir, segments(dir)[0]!)).batches.length);
    for (const ip of ['203.0.113.1', '203.0.113.2', '203.0.113.1']) {
      clicks.record(link, visit(ip), 1_700_000_000_000);
      clicks.afterWrite(answer);
    }
    assert.deepEqual([to.clicks.length, framesWhenAnswered.length], [0, 0], 'nothing before the end of the turn');
    await nextTurn();
    assert.deepEqual(framesWhenAnswered, [1, 1, 1], 'each answer came after the frame was written');
    assert.deepEqual(framesOf(join(dir, segments(dir)[0]!)).batches[0], to.clicks, 'the frame holds the clicks the sink was handed');
    assert.equal(to.clicks.length, 3);
    const ids = to.clicks.map((c) => c.id);
    assert.equal(new Set(ids).size, 3);
    assert.ok(ids.every((id) => /^[A-Za-z0-9_-]+-0\.[0-9a-z]+$/.test(id)), ids.join());
    assert.deepEqual(to.clicks.map((c) => c.visitor), ['v-203.0.113.1', 'v-203.0.113.2', 'v-203.0.113.1']);
  });

  it('when one address and agent click many times in a turn, then the visitor is hashed once for them', async () => {
    const to = sink();
    let hashes = 0;
    const clicks = journal(join(root, 'hash'), to, (ip, ua) => (hashes++, `${ip}|${ua.length}`));
    for (let i = 0; i < 50; i++) clicks.record(link, visit('198.51.100.7'), 1);
    clicks.record(link, visit('198.51.100.7', FIREFOX_UA), 1);
    await nextTurn();
    assert.deepEqual([to.clicks.length, hashes], [51, 2]);
  });

  it('when a process dies with journaled clicks, then the next one replays them to its sink, once, and deletes the segment', async () => {
    const dir = join(root, 'crash');
    const lost = sink();
    lost.state.fail = true; // Never stored: as if the process was killed before its writer committed.
    const dying = journal(dir, lost);
    for (let i = 0; i < 5; i++) dying.record(link, visit(`192.0.2.${i}`), 1_700_000_000_000 + i);
    await nextTurn();
    const { id: _id, ...click } = lost.clicks[0]!;
    const whole = encodeClickFrame('torn', [click]);
    appendFileSync(join(dir, segments(dir)[0]!), whole.subarray(0, whole.length - 3)); // A write cut short by the crash.

    const to = sink();
    const next = journal(dir, to);
    assert.equal(await next.replay(), 5);
    assert.deepEqual(to.clicks.map((c) => c.id), lost.clicks.map((c) => c.id));
    assert.deepEqual(segments(dir).length, 1, 'only the new process’s own segment is left');
    assert.equal(await next.replay(), 0, 'a second replay finds nothing');
  });

  it('when an earlier version left a JSON-lines segment, then it is replayed too, its torn line skipped', async () => {
    const dir = join(root, 'legacy');
    const old = [{ id: 'old-0.0', linkId: link.id, ownerId: link.ownerId, code: link.code, at: 1, referrer: null, userAgent: CHROME_UA, visitor: 'v', country: 'FR' }];
    mkdirSync(dir);
    writeFileSync(join(dir, '1000-1-abc-000000.jsonl'), `${JSON.stringify(old)}\n[{"id":"torn","linkId"`);
    const to = sink();
    assert.equal(await journal(dir, to).replay(), 1);
    assert.deepEqual(to.clicks, old);
    assert.deepEqual(readdirSync(dir).filter((name) => name.endsWith('.jsonl')), [], 'deleted once stored');
  });

  it('when the sink cannot store, then closed segments are kept for the next process; once it can, they are deleted', async () => {
    const dir = join(root, 'outage');
    const to = sink();
    to.state.fail = true;
    const clicks = journal(dir, to);
    clicks.record(link, visit('192.0.2.50'), 1);
    await nextTurn();
    await clicks.close();
    assert.equal(segments(dir).length, 1, 'kept: the sink never said it stored the click');
    const later = sink();
    const next = journal(dir, later);
    assert.equal(await next.replay(), 1);
    await next.close();
    assert.deepEqual(segments(dir), []);
  });

  /** A sink that lets clicks go while `down` (as the sender does when analytics does not answer), and says so; `store`: the analytics database it reaches. */
  function lossySink(store = 'db-1') {
    const clicks: ClickEvent[] = [];
    const state = { down: false, offered: 0, lost: 0, store };
    return {
      clicks,
      state,
      record(click: ClickEvent) {
        state.offered++;
        if (state.down) state.lost++;
        else clicks.push(click);
      },
      flush: async () => {
        if (state.down) throw new Error('analytics down');
      },
      lost: () => state.lost,
      reach: async () => {
        if (state.down) throw new Error('analytics down');
        return state.store;
      },
      storeId: () => state.store,
    };
  }
  /** A journal that rotates every 20 ms (so an outage is noticed, and ended, within the test), closed at the end. */
  const rotatingJournal = (dir: string, to: ReturnType<typeof lossySink>, onSetAside?: (clicks: number) => void) => {
    const made = createClickJournal({ dir, fsyncMs: 10, rotateMs: 20, visitorId: (ip) => `v-${ip}`, sink: to, logger: silentLogger, ...(onSetAside && { onSetAside }) });
    open.push(made);
    return made;
  };
  const until = async (check: () => boolean, ms = 2_000) => {
    for (const end = Date.now() + ms; !check(); await new Promise((resolve) => setTimeout(resolve, 10))) {
      if (Date.now() > end) throw new Error('timed out');
    }
  };

  it('when the sink lets clicks go, then the journal hands it no turn until its store answers, then hands every kept click over once and deletes its segments', async () => {
    const dir = join(root, 'owed');
    const to = lossySink();
    const clicks = rotatingJournal(dir, to);
    to.state.down = true;
    clicks.record(link, visit('192.0.2.1'), 1);
    await nextTurn();
    assert.deepEqual([to.state.offered, to.state.lost], [1, 1]);
    // A rotation sees the loss; from then on turns are journaled only.
    await new Promise((resolve) => setTimeout(resolve, 80));
    clicks.record(link, visit('192.0.2.2'), 2);
    clicks.record(link, visit('192.0.2.3'), 3);
    await nextTurn();
    await new Promise((resolve) => setTimeout(resolve, 80));
    assert.equal(to.state.offered, 1, 'no turn handed over while the store does not answer');
    assert.ok(segments(dir).length >= 2, 'every segment kept');

    to.state.down = false;
    await until(() => to.clicks.length >= 3);
    assert.deepEqual(to.clicks.map((c) => c.at).sort(), [1, 2, 3]);
    assert.equal(new Set(to.clicks.map((c) => c.id)).size, 3);
    // Deleted once stored; new turns go straight to the sink again.
    await until(() => segments(dir).length <= 1);
    clicks.record(link, visit('192.0.2.4'), 4);
    await nextTurn();
    assert.deepEqual(to.clicks.map((c) => c.at).sort(), [1, 2, 3, 4]);
  });

  it('when the sink names another store just before it lets clicks go, then the kept clicks are meant for that store, on disk too', async () => {
    const dir = join(root, 'moved');
    const to = lossySink('db-a');
    let setAside = 0;
    const clicks = rotatingJournal(dir, to, (n) => (setAside += n));
    clicks.record(link, visit('192.0.2.9'), 9);
    await nextTurn();
    await until(() => existsSync(join(dir, 'store')));
    assert.equal(readFileSync(join(dir, 'store'), 'utf8'), 'db-a');
    // One send stored in db-b (analytics moved, no send failed) and the next found nobody: no rotation between.
    to.state.store = 'db-b';
    to.state.down = true;
    clicks.record(link, visit('192.0.2.1'), 1);
    await nextTurn();
    await until(() => readFileSync(join(dir, 'store'), 'utf8') === 'db-b');
    to.state.down = false;
    await until(() => to.clicks.length >= 2);
    assert.deepEqual(to.clicks.map((c) => c.at), [9, 1]);
    assert.equal(setAside, 0);
  });

  it('when the store that answers is not the one kept clicks were meant for, then they are set aside, and a journal that reaches theirs hands them over', async () => {
    const dir = join(root, 'aside');
    const to = lossySink('db-a');
    let setAside = 0;
    const first = rotatingJournal(dir, to, (n) => (setAside += n));
    first.record(link, visit('192.0.2.9'), 9);
    await nextTurn();
    await new Promise((resolve) => setTimeout(resolve, 80));
    assert.equal(readFileSync(join(dir, 'store'), 'utf8'), 'db-a', 'the segments name their store once it has stored a click');
    to.state.down = true;
    first.record(link, visit('192.0.2.1'), 1);
    first.record(link, visit('192.0.2.2'), 2);
    await nextTurn();
    await new Promise((resolve) => setTimeout(resolve, 80));
    // Kept for db-a; db-b answers.
    to.state.store = 'db-b';
    to.state.down = false;
    await until(() => setAside === 2);
    assert.deepEqual(to.clicks.map((c) => c.at), [9], 'none handed to db-b');
    await first.close();

    // A later process whose store is db-a: it adopts them at start.
    const toA = lossySink('db-a');
    const next = createClickJournal({ dir, fsyncMs: 10, rotateMs: 60_000, visitorId: (ip) => `v-${ip}`, sink: toA, logger: silentLogger });
    open.push(next);
    assert.equal(await next.replay(), 2);
    assert.deepEqual(toA.clicks.map((c) => c.at).sort(), [1, 2]);
    assert.deepEqual(readdirSync(join(dir, 'aside', 'db-a')), []);
  });

  it('when a process stops while its clicks are kept, then the next one still keeps them from another store, and hands them to theirs', async () => {
    const dir = join(root, 'owed-restart');
    const toA = lossySink('db-a');
    const first = rotatingJournal(dir, toA);
    first.record(link, visit('192.0.2.9'), 9);
    await nextTurn();
    await until(() => existsSync(join(dir, 'store')));
    toA.state.down = true;
    first.record(link, visit('192.0.2.1'), 1);
    first.record(link, visit('192.0.2.2'), 2);
    await nextTurn();
    await new Promise((resolve) => setTimeout(resolve, 80));
    await first.close();

    // The next process on the directory reaches db-b: the kept clicks are set aside, not handed to it.
    const toB = lossySink('db-b');
    let setAside = 0;
    const onB = createClickJournal({ dir, fsyncMs: 10, rotateMs: 60_000, visitorId: (ip) => `v-${ip}`, sink: toB, logger: silentLogger, onSetAside: (n) => (setAside += n) });
    open.push(onB);
    assert.equal(await onB.replay(), 0);
    assert.deepEqual([toB.clicks.length, setAside], [0, 2]);
    await onB.close();

    const backOnA = createClickJournal({ dir, fsyncMs: 10, rotateMs: 60_000, visitorId: (ip) => `v-${ip}`, sink: lossySink('db-a'), logger: silentLogger });
    open.push(backOnA);
    assert.equal(await backOnA.replay(), 2);
  });

  // The disk cannot be filled here on purpose: node:fs's writeSync is made to throw ENOSPC for two turns.
  it('when the disk refuses a turn while the clicks are kept, then the turn waits in memory and is handed over with them', async () => {
    const dir = join(root, 'owed-enospc');
    const to = lossySink();
    const clicks = rotatingJournal(dir, to);
    to.state.down = true;
    clicks.record(link, visit('192.0.2.1'), 1);
    await nextTurn();
    await new Promise((resolve) => setTimeout(resolve, 80));
    const real = fs.writeSync;
    (fs as { writeSync: unknown }).writeSync = () => {
      throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
    };
    syncBuiltinESMExports();
    try {
      clicks.record(link, visit('192.0.2.2'), 2);
      await nextTurn();
      clicks.record(link, visit('192.0.2.3'), 3);
      await nextTurn();
    } finally {
      fs.writeSync = real;
      syncBuiltinESMExports();
    }
    clicks.record(link, visit('192.0.2.4'), 4);
    await nextTurn();
    to.state.down = false;
    await until(() => to.clicks.length >= 4);
    assert.deepEqual(to.clicks.map((c) => c.at).sort(), [1, 2, 3, 4]);
  });

  it('when another live process holds the directory, then a second journal refuses to start', () => {
    const dir = join(root, 'locked');
    journal(dir, sink());
    writeFileSync(join(dir, 'lock'), String(process.ppid));
    assert.throws(() => journal(dir, sink()), /in use by process/);
    writeFileSync(join(dir, 'lock'), '999999999');
    assert.doesNotThrow(() => journal(dir, sink()), 'a lock of a process that is gone is taken over');
  });

  it('when a turn is built, then each click gets its address’s country unless a trusted proxy named one, and the segment never holds the address', async () => {
    const dir = join(root, 'countries');
    const to = sink();
    const asked: string[] = [];
    const countryOf = (ip: string) => (asked.push(ip), ip === '8.8.8.8' ? 'US' : null);
    const made = createClickJournal({ dir, fsyncMs: 10, rotateMs: 60_000, visitorId: () => 'v', countryOf, sink: to, logger: silentLogger });
    open.push(made);
    made.record(link, visit('8.8.8.8'), 1);
    made.record(link, { ...visit('8.8.8.8'), country: 'DE' }, 2);
    made.record(link, visit('198.51.100.7'), 3);
    await nextTurn();
    assert.deepEqual(to.clicks.map((c) => c.country), ['US', 'DE', null]);
    assert.deepEqual(asked, ['8.8.8.8', '198.51.100.7'], 'the proxy’s country is not looked up again');
    const written = segments(dir).map((name) => readFileSync(join(dir, name), 'latin1')).join('');
    assert.deepEqual(segments(dir).flatMap((name) => framesOf(join(dir, name)).batches.flat().map((c) => c.country)), ['US', 'DE', null]);
    assert.ok(!written.includes('8.8.8.8') && !written.includes('198.51.100.7'), 'no address in the journal');
  });

  it('when the journal keeps no file (dir: null), then a click still reaches the sink at the end of the turn', async () => {
    const to = sink();
    const clicks = createClickJournal({ dir: null, fsyncMs: 10, rotateMs: 60_000, visitorId: (ip) => ip, sink: to, logger: silentLogger });
    clicks.record(link, visit('192.0.2.9'), 1);
    await nextTurn();
    assert.equal(to.clicks.length, 1);
    await clicks.close();
  });
});

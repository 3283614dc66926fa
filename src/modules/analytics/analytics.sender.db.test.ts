import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { eventually } from '../../../test/contract/fixtures.ts';
import { AppError } from '../../common/errors.ts';
import { createInternalGuard } from '../../common/http/internal.ts';
import { createHttpServer } from '../../common/http/server.ts';
import { createMetrics } from '../../common/metrics.ts';
import { CHROME_UA, clickEvent, createScratch, silentLogger, useDatabase, type Scratch } from '../../../test/support/test-support.ts';
import {
  analyticsInternalRoutes,
  analyticsMigrations,
  createAnalyticsRepository,
  createAnalyticsQueries,
  createClickIngestion,
  eventsRoutes,
  type ClickEvent,
} from './index.ts';
import { startJournal, startSender, TOKEN } from './analytics.test-server.ts';
import { CLICK_FRAMES_MEDIA_TYPE, encodeClickFrame } from './analytics.click-frame.ts';


describe('click sender over HTTP to a real analytics server (sqlite)', () => {
  const database = useDatabase('sqlite', { analytics: analyticsMigrations });
  const repository = () => createAnalyticsRepository(database());
  const stored = async (linkId: string) => (await repository().totalsFor([linkId])).get(linkId) ?? 0;
  let scratch: Scratch;
  let spools = 0;
  before(async () => (scratch = await createScratch('sqlite')));
  after(() => scratch.remove());

  /** Ids POSTed to /events, in arrival order, including any delivered twice. */
  let received: string[] = [];
  /** The media type of each POST /events, in arrival order (refused ones too). */
  let bodies: string[] = [];
  /** The clicks of each POST /events that reached its handler, in arrival order. */
  let sizes: number[] = [];

  /**
   * The analytics side of POST /events; `port` 0 picks one, a number brings it back on that port.
   * `refuseFrames` answers a body of click frames as an analytics of 0.1.x does (it has no parser
   * for them): 415, the same problem, until `upgrade()`. Closed when the test ends, even a failed one.
   */
  async function startAnalytics(
    t: TestContext,
    { port = 0, delayMs = 0, refuseFrames = false } = {},
  ): Promise<{ stop(): Promise<void>; port: number; upgrade(): void }> {
    // POST /events calls ingestion directly: this process never records clicks itself.
    const ingestion = createClickIngestion(repository());
    const app = createHttpServer({
      service: 'analytics',
      mode: 'microservices',
      version: 'test',
      logger: silentLogger,
      metrics: createMetrics('analytics'),
      bodyLimitBytes: 1_048_576,
      trustProxy: 'loopback',
      ready: {},
    });
    let refusing = refuseFrames;
    app.addHook('onRequest', async (request) => {
      if (request.url !== '/events') return;
      bodies.push(String(request.headers['content-type']));
      if (refusing && request.headers['content-type'] === CLICK_FRAMES_MEDIA_TYPE) {
        throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'Send the body as application/json.');
      }
    });
    app.addHook('preHandler', async (request) => {
      if (request.url !== '/events') return;
      const { events } = request.body as { events: ClickEvent[] };
      received.push(...events.map((e) => e.id));
      sizes.push(events.length);
      if (delayMs > 0) await sleep(delayMs);
    });
    app.register(eventsRoutes, { ingestion, guard: createInternalGuard(TOKEN) });
    app.register(analyticsInternalRoutes, { queries: createAnalyticsQueries({ repository: repository() }), ingestion, guard: createInternalGuard(TOKEN) });
    await app.listen({ host: '127.0.0.1', port });
    let stopping: Promise<void> | undefined;
    const stop = () => (stopping ??= app.close());
    t.after(stop);
    return { stop, port: (app.server.address() as { port: number }).port, upgrade: () => void (refusing = false) };
  }

  /** A sender as a redirector builds one (startSender), watching the four counters these cases assert. */
  function senderTo(t: TestContext, port: number, spoolDir = join(scratch.dir, `spool-${++spools}`), limits: Parameters<typeof startSender>[3] = {}) {
    const { sender, spool, totals: all, close, registry } = startSender(t, port, spoolDir, limits);
    const totals = async () => {
      const { sent, spooled, replayed, dropped } = await all();
      return { sent, spooled, replayed, dropped };
    };
    return { sender, spool, totals, spoolDir, close, registry };
  }

  const record = (sender: { record(click: ClickEvent): void }, linkId: string, n: number) => {
    const clicks = Array.from({ length: n }, () => clickEvent(linkId));
    for (const click of clicks) sender.record(click);
    return clicks.map((c) => c.id);
  };

  it('when analytics answers, then the clicks are sent and counted once', async (t) => {
    received = [];
    const server = await startAnalytics(t);
    const { sender, spool, totals } = senderTo(t, server.port);
    const ids = record(sender, 'snd-up', 5);
    await sender.flush();
    assert.deepEqual(await totals(), { sent: 5, spooled: 0, replayed: 5, dropped: 0 });
    assert.deepEqual(received, ids);
    assert.equal(await stored('snd-up'), 5);
    // A flush with nothing buffered sends nothing again.
    await sender.flush();
    assert.deepEqual(received, ids);
    assert.equal(spool.isEmpty(), true);
  });

  /** One turn of `n` clicks as the journal hands it on: its frame; returns the ids the frame names. */
  const recordTurn = (sender: { recordFrame(frame: Uint8Array, count: number): void }, batch: string, linkId: string, n: number) => {
    const clicks = Array.from({ length: n }, () => {
      const { id: _id, ...click } = clickEvent(linkId);
      return click;
    });
    sender.recordFrame(encodeClickFrame(batch, clicks), n);
    return clicks.map((_, i) => `${batch}.${i.toString(36)}`);
  };

  it('when turns come as frames, then they are sent as one body of frames, and clicks recorded one by one go first as JSON', async (t) => {
    received = [];
    bodies = [];
    const server = await startAnalytics(t);
    const { sender, totals } = senderTo(t, server.port);
    const framed = [...recordTurn(sender, 'snd-fr-a', 'snd-frames', 3), ...recordTurn(sender, 'snd-fr-b', 'snd-frames', 2)];
    // A replayed journal hands its clicks on one by one: they are older than any turn.
    const replayed = record(sender, 'snd-frames', 2);
    await sender.flush();
    assert.deepEqual(bodies, ['application/json', CLICK_FRAMES_MEDIA_TYPE]);
    assert.deepEqual(received, [...replayed, ...framed]);
    assert.deepEqual(await totals(), { sent: 7, spooled: 0, replayed: 2, dropped: 0 });
    assert.equal(await stored('snd-frames'), 7);
  });

  it('when clicks add up past a send’s bounds, then they go in several sends: frames by clicks and bytes, never split; events 500 at a time', async (t) => {
    const server = await startAnalytics(t);
    const bodiesOf = async (limits: Parameters<typeof senderTo>[3], fill: (sender: ReturnType<typeof senderTo>['sender']) => string[]) => {
      [received, sizes] = [[], []];
      const { sender } = senderTo(t, server.port, undefined, limits);
      const ids = fill(sender);
      await sender.flush();
      assert.deepEqual(received, ids);
      return sizes;
    };
    const turns = (sender: ReturnType<typeof senderTo>['sender'], name: string, counts: number[]) =>
      counts.flatMap((n, i) => recordTurn(sender, `${name}-${i}`, 'snd-bounds', n));
    // Three turns of 400 under 1,000 clicks a send.
    assert.deepEqual(await bodiesOf({ batchMax: 1_000 }, (s) => turns(s, 'snd-b1', [400, 400, 400])), [800, 400]);
    // Frames of the same size under a bound of two of them; then a bound smaller than one frame: each alone, none lost.
    const frameBytes = encodeClickFrame('snd-b2-0', [{ linkId: 'snd-bounds', ownerId: 'user-owner', code: 'code-snd-bounds', at: 0, userAgent: CHROME_UA }]).length;
    assert.deepEqual(await bodiesOf({ batchMax: 1_000, bodyBytesMax: 2 * frameBytes }, (s) => turns(s, 'snd-b2', [1, 1, 1])), [2, 1]);
    assert.deepEqual(await bodiesOf({ batchMax: 1_000, bodyBytesMax: 100 }, (s) => turns(s, 'snd-b3', [1, 1])), [1, 1]);
    // Never more clicks than POST /events takes (10,000), whatever CLICK_BATCH_MAX says.
    assert.deepEqual(await bodiesOf({ batchMax: 20_000 }, (s) => turns(s, 'snd-b4', [4_000, 4_000, 4_000])), [8_000, 4_000]);
    // Events recorded one by one (a replayed journal) go as JSON, 500 at a time whatever batchMax says.
    assert.deepEqual(await bodiesOf({ batchMax: 5_000 }, (s) => record(s, 'snd-bounds', 1_200)), [500, 500, 200]);
    assert.equal(await stored('snd-bounds'), 1_200 + 3 + 2 + 12_000 + 1_200);
  });

  it('when analytics does not take frames (an earlier version: 415), then the clicks go as JSON events, that batch and after', async (t) => {
    received = [];
    bodies = [];
    const server = await startAnalytics(t, { refuseFrames: true });
    const { sender, spool, totals } = senderTo(t, server.port);
    const first = recordTurn(sender, 'snd-old-a', 'snd-old', 3);
    await sender.flush();
    const second = recordTurn(sender, 'snd-old-b', 'snd-old', 2);
    await sender.flush();
    // Refused once, then never offered again: no click lost, none quarantined, none spooled.
    assert.deepEqual(bodies, [CLICK_FRAMES_MEDIA_TYPE, 'application/json', 'application/json']);
    assert.deepEqual(received, [...first, ...second]);
    assert.deepEqual(await totals(), { sent: 5, spooled: 0, replayed: 0, dropped: 0 });
    assert.equal(spool.isEmpty(), true);
    assert.equal(await stored('snd-old'), 5);
    // A send of frames bigger than a JSON body's 500 events goes as several JSON bodies.
    sizes = [];
    recordTurn(sender, 'snd-old-c', 'snd-old', 600);
    await sender.flush();
    assert.deepEqual(sizes, [500, 100]);
    assert.equal(await stored('snd-old'), 605);
  });

  it('when an analytics that refused frames is upgraded, then the sender offers frames again once the retry time has passed', async (t) => {
    bodies = [];
    const server = await startAnalytics(t, { refuseFrames: true });
    const { sender } = senderTo(t, server.port, undefined, { framesRetryMs: 300 });
    recordTurn(sender, 'snd-upg-a', 'snd-upgrade', 2);
    await sender.flush();
    server.upgrade();
    // Within the retry time: JSON straight away, frames not offered.
    recordTurn(sender, 'snd-upg-b', 'snd-upgrade', 2);
    await sender.flush();
    await sleep(350);
    recordTurn(sender, 'snd-upg-c', 'snd-upgrade', 2);
    await sender.flush();
    assert.deepEqual(bodies, [CLICK_FRAMES_MEDIA_TYPE, 'application/json', 'application/json', CLICK_FRAMES_MEDIA_TYPE]);
    assert.equal(await stored('snd-upgrade'), 6);
  });

  /** A sender with the click journal in front of it, as a redirector runs them. */
  function journaledTo(t: TestContext, port: number, dir = join(scratch.dir, `journal-${++spools}`)) {
    const sending = senderTo(t, port);
    return { ...sending, ...startJournal(t, sending.sender, dir, { registry: sending.registry }), dir };
  }
  /** How many times each id reached POST /events. */
  const deliveries = (ids: readonly string[]) => {
    const times = new Map<string, number>();
    for (const id of ids) times.set(id, (times.get(id) ?? 0) + 1);
    return times;
  };

  it('when analytics is down, then the sender lets the clicks go, the journal keeps them (no spool file), and hands them over once analytics is back', async (t) => {
    received = [];
    const first = await startAnalytics(t);
    const { sender, spool, totals, visits, segments } = journaledTo(t, first.port);
    await first.stop();
    await visits('snd-j-down', 5);
    // The journal's next rotation flushes the sender: the send fails, the clicks are let go.
    assert.deepEqual(await eventually(totals, (n) => n.spooled >= 5, 5_000), { sent: 0, spooled: 5, replayed: 0, dropped: 0 });
    assert.equal(sender.lost(), 5);
    assert.equal(spool.isEmpty(), true, 'no spool file: the journal holds the outage');
    assert.ok(segments().length >= 1, 'the journal keeps its segments');
    // Clicks journaled while analytics is down are not even offered to the sender.
    await visits('snd-j-down', 3);
    await sleep(150);
    assert.equal((await totals()).spooled, 5);

    await startAnalytics(t, { port: first.port });
    assert.equal(await eventually(() => stored('snd-j-down'), (n) => n === 8, 5_000), 8);
    // Handed over as JSON events, each once; kept segments deleted once stored (the one in use stays).
    assert.deepEqual([...deliveries(received).values()], Array<number>(8).fill(1));
    assert.deepEqual(await eventually(totals, (n) => n.replayed >= 8, 2_000), { sent: 8, spooled: 5, replayed: 8, dropped: 0 });
    await eventually(async () => segments().length, (n) => n <= 1, 2_000);
  });

  it('when analytics goes down and comes back on its port, then every click is stored once and those of the outage are sent once', async (t) => {
    received = [];
    const first = await startAnalytics(t);
    const { totals, visits } = journaledTo(t, first.port);
    await visits('snd-outage', 2);
    await eventually(() => stored('snd-outage'), (n) => n === 2, 2_000);
    await first.stop();
    const sentBefore = received.length;

    await visits('snd-outage', 4);
    await eventually(totals, (n) => n.spooled >= 4, 5_000);
    await visits('snd-outage', 3);
    await sleep(150);
    assert.equal(await stored('snd-outage'), 2);

    await startAnalytics(t, { port: first.port });
    assert.equal(await eventually(() => stored('snd-outage'), (n) => n === 9, 5_000), 9);
    await visits('snd-outage', 1);
    assert.equal(await eventually(() => stored('snd-outage'), (n) => n === 10, 2_000), 10);
    // A kept segment is handed over whole: clicks stored before the outage may be sent again
    // (analytics skips their ids); those of the outage were never sent before, and go once.
    const outage = [...deliveries(received.slice(sentBefore))].filter(([id]) => !received.slice(0, sentBefore).includes(id));
    assert.equal(outage.length, 8);
    assert.ok(outage.every(([, times]) => times === 1), JSON.stringify(outage));
    const settled = await totals();
    assert.equal(settled.spooled, 4);
    assert.equal(settled.dropped, 0);
  });

  it(
    'when analytics comes back slower than the journal rotates, then each kept click is handed over once',
    async (t) => {
      received = [];
      const first = await startAnalytics(t);
      const { visits } = journaledTo(t, first.port);
      await first.stop();
      // Three turns, in one or more kept segments.
      for (let i = 0; i < 3; i++) {
        await visits('snd-slow', 2);
        await sleep(60);
      }
      // 200 ms per POST against a journal rotating every 50 ms.
      await startAnalytics(t, { port: first.port, delayMs: 200 });
      assert.equal(await eventually(() => stored('snd-slow'), (n) => n === 6, 5_000), 6);
      await sleep(700);
      assert.equal(received.length, 6);
      assert.equal(deliveries(received).size, 6);
    },
  );

  it('when clicks never stop coming, then the journal still rotates: the first segments are deleted while clicks come', async (t) => {
    received = [];
    // 20 ms a POST, a turn every few ms: there is always a turn waiting when a send ends.
    const analytics = await startAnalytics(t, { delayMs: 20 });
    const { visits, segments } = journaledTo(t, analytics.port);
    await visits('snd-steady', 1);
    const first = segments();
    let going = true;
    const traffic = (async () => {
      while (going) {
        await visits('snd-steady', 3);
        await sleep(2);
      }
    })();
    try {
      const now = await eventually(async () => segments(), (names) => first.every((name) => !names.includes(name)), 3_000);
      assert.deepEqual(first.filter((name) => now.includes(name)), [], 'a segment of the first moments still on disk while clicks come');
    } finally {
      going = false;
      await traffic;
    }
    assert.ok(received.length > 0);
  });

  it('when the redirector stops while analytics is down, then the journal keeps the clicks, none dropped, and the next process hands them over', async (t) => {
    received = [];
    const server = await startAnalytics(t);
    await server.stop();
    const down = journaledTo(t, server.port);
    await down.visits('snd-close', 5);
    await down.close();
    await down.sender.close();
    assert.equal((await down.totals()).dropped, 0);
    assert.equal(down.spool.isEmpty(), true);
    const left = down.segments();
    assert.ok(left.length >= 1, 'the journal kept its segments');

    // The next process on the same journal directory hands over what the last one left.
    await startAnalytics(t, { port: server.port });
    const restarted = journaledTo(t, server.port, down.dir);
    assert.equal(await restarted.journal.replay(), 5);
    assert.equal(await stored('snd-close'), 5);
    assert.deepEqual(await restarted.totals(), { sent: 5, spooled: 0, replayed: 5, dropped: 0 });
    // Deleted once stored; the new process's own segment is all that is left.
    assert.deepEqual(restarted.segments().filter((name) => left.includes(name)), []);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import { Registry } from 'prom-client';
import { clickEvent, silentLogger, useDatabase } from '../../../test/support/test-support.ts';
import { analyticsMigrations, createAnalyticsRepository, createClickWriter, createIngest, type ClickEvent, type IngestResult } from './index.ts';

type Ingest = (events: readonly ClickEvent[]) => Promise<IngestResult>;

describe('click writer on sqlite', () => {
  const database = useDatabase('sqlite', { analytics: analyticsMigrations });
  const repository = () => createAnalyticsRepository(database());
  const stored = async (linkId: string) => (await repository().totalsFor([linkId])).get(linkId) ?? 0;
  // A long interval: flushes in these tests happen only when the test asks (or the buffer fills).
  const writerFor = (ingest: Ingest, batchMax = 1_000) =>
    createClickWriter({ ingest, flushMs: 60_000, batchMax, registry: new Registry(), logger: silentLogger });

  it('when clicks are recorded, then nothing is stored until flush, and flush stores them all', async () => {
    const writer = writerFor(createIngest(repository()));
    for (let i = 0; i < 3; i++) writer.record(clickEvent('w-flush'));
    assert.equal(await stored('w-flush'), 0);
    await writer.flush();
    assert.equal(await stored('w-flush'), 3);
    await writer.close();
  });

  it('when ingest fails once, then the flush rejects, keeps the clicks, and the next flush stores each once', async () => {
    const real = createIngest(repository());
    let failures = 1;
    const calls: number[] = [];
    const flaky: Ingest = async (events) => {
      calls.push(events.length);
      if (failures-- > 0) throw new Error('database unavailable');
      return real(events);
    };
    const writer = writerFor(flaky);
    writer.record(clickEvent('w-retry'));
    writer.record(clickEvent('w-retry'));
    await assert.rejects(writer.flush(), /database unavailable/);
    assert.equal(await stored('w-retry'), 0);
    // Recorded after the failure: it must join the kept clicks, not replace them.
    writer.record(clickEvent('w-retry'));
    await writer.flush();
    assert.deepEqual(calls, [2, 3]);
    assert.equal(await stored('w-retry'), 3);
    await writer.close();
  });

  it('when clicks arrive during a write, then a second flush waits for it and writes them too', async () => {
    const real = createIngest(repository());
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const batches: number[] = [];
    const writer = writerFor(async (events) => {
      batches.push(events.length);
      if (batches.length === 1) await gate;
      return real(events);
    });
    writer.record(clickEvent('w-during'));
    const first = writer.flush();
    writer.record(clickEvent('w-during'));
    writer.record(clickEvent('w-during'));
    const second = writer.flush();
    release();
    await Promise.all([first, second]);
    assert.deepEqual(batches, [1, 2]);
    assert.equal(await stored('w-during'), 3);
    await writer.close();
  });

  it('when clicks never stop coming, then a flush resolves once the clicks recorded before it are written', async () => {
    const real = createIngest(repository());
    // 5 ms a write, a click every millisecond or so: the buffer is never empty when a write ends.
    const writer = writerFor(async (events) => {
      await sleep(5);
      return real(events);
    });
    let going = true;
    const traffic = (async () => {
      while (going) {
        writer.record(clickEvent('w-steady'));
        await sleep(1);
      }
    })();
    try {
      await sleep(20);
      const waited = new AbortController();
      const flushed = await Promise.race([writer.flush().then(() => true), sleep(2_000, false, { signal: waited.signal }).catch(() => false)]);
      waited.abort();
      assert.equal(flushed, true, 'the flush was still waiting after 2 s of clicks');
    } finally {
      going = false;
      await traffic;
    }
    await writer.close();
    assert.ok((await stored('w-steady')) > 0);
  });

  it('when the buffer reaches batchMax, then it is written without waiting for the timer', async () => {
    const written: number[] = [];
    const writer = writerFor(async (events) => (written.push(events.length), { accepted: events.length, duplicates: 0 }), 2);
    writer.record(clickEvent('w-full'));
    await nextTurn();
    assert.deepEqual(written, []);
    writer.record(clickEvent('w-full'));
    await nextTurn();
    await nextTurn();
    assert.deepEqual(written, [2]);
    await writer.close();
  });

  it('when the writer is closed, then what was buffered is stored', async () => {
    const writer = writerFor(createIngest(repository()));
    writer.record(clickEvent('w-close'));
    writer.record(clickEvent('w-close'));
    await writer.close();
    assert.equal(await stored('w-close'), 2);
  });
});

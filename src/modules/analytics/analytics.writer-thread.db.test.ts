import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { migrate, openDatabase } from '../../common/db.ts';
import { clickEvent, createScratch, silentLogger, type Scratch } from '../../../test/support/test-support.ts';
import { analyticsMigrations, createAnalyticsRepository } from './index.ts';
import { startWriterThread } from './analytics.writer-thread.ts';

/** This process's threads with their nice values (field 19 of each /proc/self/task/<tid>/stat). */
function threadNices(): Map<number, number> {
  const nices = new Map<number, number>();
  for (const tid of readdirSync('/proc/self/task')) {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    nices.set(Number(tid), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]));
  }
  return nices;
}

describe('the click writer thread (CLICK_WRITER=thread), on a real SQLite database', () => {
  let scratch: Scratch;
  before(async () => (scratch = await createScratch('sqlite')));
  after(async () => scratch.remove());

  // The nice value is per thread on Linux only; elsewhere CLICK_WRITER_NICE is ignored by design.
  it('when started with CLICK_WRITER_NICE, then its thread alone runs at that value, and what it is given is stored', { skip: process.platform !== 'linux' }, async () => {
    const databaseUrl = `sqlite:${join(scratch.dir, 'thread.db')}`;
    const database = openDatabase(databaseUrl);
    await migrate(database, 'analytics', analyticsMigrations);
    const before = threadNices();
    const writer = startWriterThread(
      {
        databaseUrl,
        databaseOptions: { statementTimeoutMs: 5_000, connectTimeoutMs: 5_000, sqliteBusyTimeoutMs: 2_000 },
        spoolDir: join(scratch.dir, 'spool'),
        flushMs: 50,
        batchMax: 1_000,
        rollupWindowMs: 0,
        logLevel: 'silent',
        service: 'test',
        nice: 9,
      },
      { registry: new Registry(), logger: silentLogger },
    );
    try {
      writer.record(clickEvent('writer-thread-1', { linkId: 'link-t' }));
      await writer.settle();
      const niced = [...threadNices()].filter(([tid, nice]) => nice === 9 && before.get(tid) !== 9);
      assert.equal(niced.length, 1, `threads newly at nice 9: ${JSON.stringify(niced)}`);
      assert.notEqual(niced[0]![0], process.pid, 'the redirect thread keeps its priority');
      assert.equal((await createAnalyticsRepository(database).totalsFor(['link-t'])).get('link-t'), 1);
    } finally {
      await writer.close();
      await database.close();
    }
  });
});

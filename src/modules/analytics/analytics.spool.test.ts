import assert from 'node:assert/strict';
import { appendFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { clickEvent, createScratch, type Scratch } from '../../../test/support/test-support.ts';
import { createSpool, type ClickEvent } from './index.ts';

const ids = (batches: ClickEvent[][]) => batches.map((batch) => batch.map((e) => e.id));
const batchOf = (linkId: string, size: number) => Array.from({ length: size }, () => clickEvent(linkId));

describe('click spool on a real directory', () => {
  let scratch: Scratch;
  let cases = 0;
  before(async () => (scratch = await createScratch('sqlite')));
  after(() => scratch.remove());
  // One directory per test: a spool is its directory, so tests must not share one.
  const freshSpool = () => createSpool(join(scratch.dir, `spool-${++cases}`));

  /** A deliver that records each batch it is handed, failing on the calls listed in `failOn` (1-based). */
  const recorder = (failOn: number[] = []) => {
    const seen: ClickEvent[][] = [];
    let calls = 0;
    const deliver = async (events: ClickEvent[]) => {
      if (failOn.includes(++calls)) throw new Error(`analytics down on call ${calls}`);
      seen.push(events);
    };
    return { seen, deliver };
  };

  it('when batches are appended and replayed, then they arrive oldest first and the spool is empty', async () => {
    const spool = freshSpool();
    assert.equal(spool.isEmpty(), true);
    const batches = [batchOf('s-order', 2), batchOf('s-order', 1), batchOf('s-order', 3)];
    for (const batch of batches) spool.append(batch);
    assert.equal(spool.isEmpty(), false);
    const { seen, deliver } = recorder();
    assert.equal((await spool.replay(deliver)).delivered, 6);
    assert.deepEqual(ids(seen), ids(batches));
    assert.equal(spool.isEmpty(), true);
    // Nothing left to hand out: a second replay delivers nothing.
    const again = recorder();
    assert.equal((await spool.replay(again.deliver)).delivered, 0);
    assert.deepEqual(again.seen, []);
  });

  it('when deliver fails mid-replay, then only the undelivered batches are kept for the next replay', async () => {
    const spool = freshSpool();
    const batches = [batchOf('s-fail', 1), batchOf('s-fail', 2), batchOf('s-fail', 3)];
    for (const batch of batches) spool.append(batch);
    const first = recorder([2]);
    await assert.rejects(spool.replay(first.deliver), /analytics down on call 2/);
    assert.deepEqual(ids(first.seen), ids(batches.slice(0, 1)));
    assert.equal(spool.isEmpty(), false);
    const second = recorder();
    assert.equal((await spool.replay(second.deliver)).delivered, 5);
    assert.deepEqual(ids(second.seen), ids(batches.slice(1)));
    assert.equal(spool.isEmpty(), true);
  });

  it('when batches are appended during a replay, then the next replay delivers them after the kept ones', async () => {
    const spool = freshSpool();
    const old = [batchOf('s-during', 1), batchOf('s-during', 1)];
    for (const batch of old) spool.append(batch);
    const late = batchOf('s-during', 2);
    const seen: ClickEvent[][] = [];
    await spool.replay(async (events) => {
      // The redirector keeps spooling while analytics is still catching up.
      if (seen.length === 0) spool.append(late);
      seen.push(events);
    });
    assert.deepEqual(ids(seen), ids(old));
    assert.equal(spool.isEmpty(), false);
    const next = recorder();
    assert.equal((await spool.replay(next.deliver)).delivered, 2);
    assert.deepEqual(ids(next.seen), ids([late]));
    assert.equal(spool.isEmpty(), true);
  });

  it('when a replay fails and more is appended, then the next replay delivers the kept batches, then the new ones', async () => {
    const spool = freshSpool();
    const kept = batchOf('s-kept', 2);
    spool.append(kept);
    await assert.rejects(spool.replay(recorder([1]).deliver));
    const fresh = batchOf('s-kept', 1);
    spool.append(fresh);
    const next = recorder();
    assert.equal((await spool.replay(next.deliver)).delivered, 3);
    assert.deepEqual(ids(next.seen), ids([kept, fresh]));
  });

  it('when the last line is torn, then it is skipped and every whole batch is delivered', async () => {
    const dir = join(scratch.dir, `spool-${++cases}`);
    const spool = createSpool(dir);
    const whole = [batchOf('s-torn', 2), batchOf('s-torn', 1)];
    for (const batch of whole) spool.append(batch);
    // What a process killed mid-write leaves behind: half a batch and no newline.
    appendFileSync(join(dir, 'spool.ndjson'), JSON.stringify(batchOf('s-torn', 2)).slice(0, 40));
    const { seen, deliver } = recorder();
    assert.equal((await spool.replay(deliver)).delivered, 3);
    assert.deepEqual(ids(seen), ids(whole));
    assert.equal(spool.isEmpty(), true);
    assert.deepEqual(readdirSync(dir), []);
  });

  it(
    'when a batch is appended after a torn line (the restarted process), then that batch is delivered too',
    async () => {
      const dir = join(scratch.dir, `spool-${++cases}`);
      const first = batchOf('s-torn-next', 1);
      createSpool(dir).append(first);
      appendFileSync(join(dir, 'spool.ndjson'), '[{"id":"torn');
      // A new spool on the same directory, as after a restart.
      const restarted = createSpool(dir);
      const next = batchOf('s-torn-next', 2);
      restarted.append(next);
      const { seen, deliver } = recorder();
      assert.equal((await restarted.replay(deliver)).delivered, 3);
      assert.deepEqual(ids(seen), ids([first, next]));
    },
  );

  it(
    'when two replays start in the same millisecond, then the batches kept by the first are not overwritten',
    async () => {
      const spool = freshSpool();
      const kept = batchOf('s-same-ms', 2);
      spool.append(kept);
      const realNow = Date.now;
      const frozen = realNow();
      // Pins the clock so both renames get the same name, as two replays within 1 ms would.
      Date.now = () => frozen;
      try {
        await assert.rejects(spool.replay(recorder([1]).deliver));
        const fresh = batchOf('s-same-ms', 1);
        spool.append(fresh);
        const next = recorder();
        assert.equal((await spool.replay(next.deliver)).delivered, 3);
        assert.deepEqual(ids(next.seen), ids([kept, fresh]));
      } finally {
        Date.now = realNow;
      }
    },
  );
});

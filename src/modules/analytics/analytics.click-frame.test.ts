import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CHROME_UA, FIREFOX_UA } from '../../../test/support/test-support.ts';
import { TornFrame, decodeClickFrame, decodeClickFrames, encodeClickFrame } from './analytics.click-frame.ts';
import type { ClickEvent } from './analytics.port.ts';
import { createRingBuffers, ringReader, ringWriter } from './analytics.writer-ring.ts';

/** A turn's clicks as the journal makes them: ids `<batch>.<n>`, texts repeated, nulls, a target on some. */
function turn(batch: string, n: number): ClickEvent[] {
  return Array.from({ length: n }, (_, i) => {
    const click: ClickEvent = {
      id: `${batch}.${i.toString(36)}`,
      linkId: `link-${i % 3}`,
      ownerId: 'owner-é',
      code: `c${i % 3}`,
      at: 1_700_000_000_000 + i * 997,
      referrer: i % 2 === 0 ? 'https://news.example.com/a?q=😀' : null,
      userAgent: i % 4 === 3 ? null : i % 2 === 0 ? CHROME_UA : FIREFOX_UA,
      visitor: `visitor-${i % 5}`,
      country: i % 3 === 0 ? null : 'FR',
    };
    if (i % 3 === 1) click.target = `https://example.com/t${i % 2}`;
    return click;
  });
}

describe('click frames', () => {
  it('when a turn is encoded, then decoding gives back the same clicks, ids, nulls and targets included', () => {
    for (const n of [0, 1, 37, 1000]) {
      const clicks = turn(`lq3kabc-${n}`, n);
      assert.deepEqual(decodeClickFrame(encodeClickFrame(`lq3kabc-${n}`, clicks)), clicks);
    }
  });

  it('when a damaged frame says more than it holds (counts, lengths or texts out of range), then it is torn, whatever its checksum', () => {
    const frame = encodeClickFrame('h', turn('h', 2));
    const resealed = (mutate: (payload: Buffer) => void) => {
      const copy = Buffer.from(frame);
      mutate(copy.subarray(8));
      let hash = 0x811c9dc5;
      for (const byte of copy.subarray(8)) hash = Math.imul(hash ^ byte, 0x01000193);
      copy.writeUInt32LE(hash >>> 0, 4);
      return copy;
    };
    assert.deepEqual(decodeClickFrame(resealed(() => undefined)), turn('h', 2), 'resealing alone changes nothing');
    for (const [name, mutate] of [
      ['a billion clicks', (p: Buffer) => p.writeUInt32LE(1e9, 4)],
      ['a billion texts', (p: Buffer) => p.writeUInt32LE(1e9, 8)],
      ['a text longer than the frame', (p: Buffer) => p.writeUInt32LE(1e6, 12)],
      ['another magic word', (p: Buffer) => p.writeUInt32LE(0, 0)],
      ['a text index out of range', (p: Buffer) => p.writeUInt32LE(999, p.length - 4)],
      // No clicks, and a first text running to the end: the next text's length would be read past it.
      ['texts past the end', (p: Buffer) => (p.writeUInt32LE(0, 4), p.writeUInt32LE(p.length - 16, 12))],
      // The batch index (before the two clicks) naming no text: the ids would be "null.0", "null.1".
      ['no batch', (p: Buffer) => p.writeUInt32LE(0xffffffff, p.length - 2 * 40 - 4)],
    ] as const) {
      assert.throws(() => decodeClickFrame(resealed(mutate)), TornFrame, name);
    }
  });

  it('when a text repeats across clicks, then the frame holds it once', () => {
    const clicks = turn('b', 200);
    const frame = encodeClickFrame('b', clicks);
    const agentsInFrame = frame.toString('latin1').split(CHROME_UA).length - 1;
    assert.equal(agentsInFrame, 1);
    assert.ok(frame.length < 200 * 60, `${frame.length} bytes for 200 clicks`);
  });

  it('when frames follow one another and the last is cut short or damaged, then the whole ones are read and the rest is reported torn', () => {
    const [a, b] = [encodeClickFrame('a', turn('a', 3)), encodeClickFrame('b', turn('b', 4))];
    assert.deepEqual(decodeClickFrames(Buffer.concat([a, b])), { batches: [turn('a', 3), turn('b', 4)], torn: false });
    for (const cut of [1, 7, 8, b.length - 1]) {
      assert.deepEqual(decodeClickFrames(Buffer.concat([a, b.subarray(0, cut)])), { batches: [turn('a', 3)], torn: true }, `cut at ${cut}`);
    }
    const damaged = Buffer.from(b);
    damaged[damaged.length - 5]! ^= 0x40;
    assert.throws(() => decodeClickFrame(damaged), TornFrame);
    assert.deepEqual(decodeClickFrames(Buffer.concat([a, damaged])).batches, [turn('a', 3)]);
    assert.deepEqual(decodeClickFrames(Buffer.concat([a, Buffer.alloc(64)])), { batches: [turn('a', 3)], torn: true }, 'zeros a power cut left');
  });

  it('when a frame in the middle is torn (a failed write the journal went on after), then the whole frames after it are still read', () => {
    const [a, b, c] = [encodeClickFrame('a', turn('a', 3)), encodeClickFrame('b', turn('b', 4)), encodeClickFrame('c', turn('c', 5))];
    for (const cut of [3, 8, 12, b.length - 1]) {
      assert.deepEqual(decodeClickFrames(Buffer.concat([a, b.subarray(0, cut), c])), { batches: [turn('a', 3), turn('c', 5)], torn: true }, `b cut at ${cut}`);
    }
    assert.deepEqual(decodeClickFrames(Buffer.concat([Buffer.from('garbage'), a, c])).batches, [turn('a', 3), turn('c', 5)]);
  });
});

describe('the writer ring', () => {
  it('when frames wrap around the end of the ring, then they come out whole and in order, and the click count follows', () => {
    const buffers = createRingBuffers(1024);
    const [writer, reader] = [ringWriter(buffers), ringReader(buffers)];
    const taken: ClickEvent[][] = [];
    const take = (frame: Uint8Array) => taken.push(decodeClickFrame(frame)) && taken.at(-1)!.length;
    const sent: ClickEvent[][] = [];
    for (let i = 0; i < 40; i++) {
      const clicks = turn(`w${i}`, 1 + (i % 3));
      assert.ok(writer.write(encodeClickFrame(`w${i}`, clicks), clicks.length), `frame ${i} fits`);
      sent.push(clicks);
      if (i % 2 === 1) {
        assert.equal(writer.clicks(), sent.slice(taken.length).flat().length);
        reader.drain(take);
        assert.equal(writer.clicks(), 0);
      }
    }
    assert.deepEqual(taken, sent);
  });

  it('when the ring is full, then a write is refused whole and nothing is lost from what it holds', () => {
    const buffers = createRingBuffers(1024);
    const [writer, reader] = [ringWriter(buffers), ringReader(buffers)];
    const frame = encodeClickFrame('f', turn('f', 2));
    let written = 0;
    while (writer.write(frame, 2)) written++;
    assert.ok(written > 0 && written * frame.length <= 1024);
    let taken = 0;
    reader.drain((bytes) => (taken++, decodeClickFrame(bytes).length));
    assert.equal(taken, written);
    assert.ok(writer.write(frame, 2), 'room again once drained');
  });

  it('when the reader waits, then a write wakes it', async () => {
    const buffers = createRingBuffers(1024);
    const [writer, reader] = [ringWriter(buffers), ringReader(buffers)];
    let woken = false;
    const waiting = reader.written().then(() => (woken = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(woken, false, 'nothing written yet');
    writer.write(encodeClickFrame('x', turn('x', 1)), 1);
    await waiting;
    assert.equal(woken, true);
  });
});

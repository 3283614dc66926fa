import { FRAME_HEADER_BYTES, frameLength } from './analytics.click-frame.ts';

/**
 * The click frames' way from the redirect thread to the writer thread: a ring of bytes in a
 * SharedArrayBuffer, one writer (the redirect thread) and one reader (the writer thread). A turn's
 * frame is copied in with no message and no cloning; the reader drains the ring when woken, and
 * lets frames gather for a few milliseconds between drains, so a busy redirect thread does not
 * wake it once per turn.
 *
 * The header holds the two positions (bytes written and bytes read, counting up and wrapping at
 * 2^32) and the clicks in the ring, for the buffered-clicks gauge.
 */
const HEAD = 0;
const TAIL = 1;
const CLICKS = 2;
const HEADER_INTS = 4;

export interface RingBuffers {
  header: SharedArrayBuffer;
  data: SharedArrayBuffer;
}

/** A ring of `capacity` bytes (a power of two), to hand to the reader's thread as it is. */
export function createRingBuffers(capacity: number): RingBuffers {
  if (capacity <= 0 || (capacity & (capacity - 1)) !== 0) throw new Error(`the click ring's size must be a power of two, got ${capacity}`);
  return { header: new SharedArrayBuffer(HEADER_INTS * 4), data: new SharedArrayBuffer(capacity) };
}

function view({ header, data }: RingBuffers) {
  return { positions: new Int32Array(header), bytes: new Uint8Array(data), mask: data.byteLength - 1 };
}

/** The redirect thread's end. */
export function ringWriter(buffers: RingBuffers) {
  const { positions, bytes, mask } = view(buffers);
  return {
    /** Copies a frame of `clicks` clicks in and wakes the reader; false (nothing written) when the ring has no room. */
    write(frame: Uint8Array, clicks: number): boolean {
      const head = Atomics.load(positions, HEAD) >>> 0;
      const used = (head - (Atomics.load(positions, TAIL) >>> 0)) >>> 0;
      if (bytes.length - used < frame.length) return false;
      const start = head & mask;
      const first = Math.min(frame.length, bytes.length - start);
      bytes.set(frame.subarray(0, first), start);
      if (first < frame.length) bytes.set(frame.subarray(first), 0);
      Atomics.add(positions, CLICKS, clicks);
      Atomics.store(positions, HEAD, (head + frame.length) | 0);
      Atomics.notify(positions, HEAD);
      return true;
    },
    /** Clicks written and not yet taken out by the reader. */
    clicks: () => Atomics.load(positions, CLICKS),
  };
}

/** The writer thread's end. */
export function ringReader(buffers: RingBuffers) {
  const { positions, bytes, mask } = view(buffers);
  const copyOut = (from: number, length: number) => {
    const out = new Uint8Array(length);
    const start = from & mask;
    const first = Math.min(length, bytes.length - start);
    out.set(bytes.subarray(start, start + first), 0);
    if (first < length) out.set(bytes.subarray(0, length - first), first);
    return out;
  };
  return {
    /**
     * Takes out every frame written so far, in order: `take` gets each frame's bytes, and returns how
     * many clicks it held. A frame says its own length in its header (analytics.click-frame.ts).
     */
    drain(take: (frame: Uint8Array) => number): void {
      const head = Atomics.load(positions, HEAD) >>> 0;
      let tail = Atomics.load(positions, TAIL) >>> 0;
      while (tail !== head) {
        const length = frameLength(copyOut(tail, FRAME_HEADER_BYTES))!;
        const clicks = take(copyOut(tail, length));
        tail = (tail + length) >>> 0;
        Atomics.store(positions, TAIL, tail | 0);
        Atomics.sub(positions, CLICKS, clicks);
      }
    },
    /** Resolves once something is written after what was drained (at once if it already is). */
    written(): Promise<void> {
      const head = Atomics.load(positions, HEAD);
      if (head !== Atomics.load(positions, TAIL)) return Promise.resolve();
      const waiting = (Atomics as unknown as AtomicsWithWaitAsync).waitAsync(positions, HEAD, head);
      return waiting.async ? waiting.value.then(() => undefined) : Promise.resolve();
    },
  };
}

// Atomics.waitAsync is in Node 16 and later; TypeScript declares it from lib ES2024 only.
interface AtomicsWithWaitAsync {
  waitAsync(array: Int32Array, index: number, value: number): { async: false; value: string } | { async: true; value: Promise<string> };
}

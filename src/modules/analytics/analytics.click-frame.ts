import type { ClickEvent } from './analytics.port.ts';

/**
 * A click frame: one batch of clicks as compact bytes, what the click journal appends for each
 * turn of the redirect thread and what that thread hands to the writer thread. Each distinct text
 * of the batch (link id, owner, code, referrer, agent, visitor, country, target) is written once,
 * and each click is fixed-size numbers pointing at them; event ids are the batch id and the
 * click's place in it (`<batch>.<n in base 36>`), as the journal names them.
 *
 *   u32 payload length · u32 checksum (FNV-1a of the payload) · payload:
 *     u32 MAGIC · u32 click count · u32 text count · texts (u32 byte length, UTF-8 bytes) ·
 *     batch id (a text index) · per click: f64 at, u32 × 8 text indexes (NONE: null, or no target)
 *
 * A frame carries its own length and checksum, so a reader of a journal knows a frame cut short
 * by a crash, or bytes a power cut left, from a whole one; and its magic word lets the reader find
 * the next whole frame after a torn one (a failed write the journal went on after).
 */
const HEADER = 8;
/** The media type of a POST /events body made of whole frames, one after another: what a redirector in its own process sends. */
export const CLICK_FRAMES_MEDIA_TYPE = 'application/vnd.morphlink.click-frames';
/** The bytes of a frame before its payload: what `frameLength` needs to read a frame's length. */
export const FRAME_HEADER_BYTES = HEADER;
const MAGIC = 0x4b4c434d; // "MCLK"
const MAGIC_BYTES = Buffer.from([0x4d, 0x43, 0x4c, 0x4b]);
const CLICK_BYTES = 8 + 8 * 4;
const NONE = 0xffffffff;
/** Nothing yet: what a click's field is compared with before the first click. */
const UNSET = Symbol('unset');
const FIELDS = ['linkId', 'ownerId', 'code', 'referrer', 'userAgent', 'visitor', 'country', 'target'] as const;

/** Thrown for bytes that are not a whole frame. */
export class TornFrame extends Error {}

/** FNV-1a, 32 bits: cheap, and enough to tell a whole frame from a torn or stale one. */
function checksum(bytes: Uint8Array, from: number, to: number): number {
  let hash = 0x811c9dc5;
  for (let i = from; i < to; i++) hash = Math.imul(hash ^ bytes[i]!, 0x01000193);
  return hash >>> 0;
}

/** A click as a frame carries it: its id is not in it but made from the frame's batch and the click's place. */
export type FrameClick = Omit<ClickEvent, 'id'>;

/** The frame of a batch whose clicks are named `<batch>.<n>`, n their index in base 36. */
export function encodeClickFrame(batch: string, clicks: readonly FrameClick[]): Buffer {
  const index = new Map<string, number>();
  const texts: string[] = [];
  let textBytes = 0;
  const indexOf = (text: string | null | undefined): number => {
    if (text == null) return NONE;
    let i = index.get(text);
    if (i === undefined) {
      index.set(text, (i = texts.length));
      texts.push(text);
      textBytes += 4 + Buffer.byteLength(text);
    }
    return i;
  };
  // The clicks' part, laid out as it goes into the frame. A field that repeats the click before's
  // text (a hot link, one visitor's agent) reuses its index without a lookup; the fields are read
  // one by one, in FIELDS' order, rather than by a computed key.
  const section = new DataView(new ArrayBuffer(clicks.length * CLICK_BYTES));
  const last: unknown[] = FIELDS.map(() => UNSET);
  const lastIndex = new Uint32Array(FIELDS.length);
  let base = 0;
  const ref = (f: number, text: string | null | undefined) => {
    if (text !== last[f]) {
      last[f] = text;
      lastIndex[f] = indexOf(text);
    }
    section.setUint32(base + 8 + f * 4, lastIndex[f]!, true);
  };
  for (const click of clicks) {
    section.setFloat64(base, click.at, true);
    ref(0, click.linkId);
    ref(1, click.ownerId);
    ref(2, click.code);
    ref(3, click.referrer);
    ref(4, click.userAgent);
    ref(5, click.visitor);
    ref(6, click.country);
    ref(7, click.target);
    base += CLICK_BYTES;
  }
  const batchIndex = indexOf(batch);

  const length = 16 + textBytes + clicks.length * CLICK_BYTES;
  const frame = Buffer.allocUnsafe(HEADER + length);
  let at = frame.writeUInt32LE(MAGIC, HEADER);
  at = frame.writeUInt32LE(clicks.length, at);
  at = frame.writeUInt32LE(texts.length, at);
  for (const text of texts) {
    const bytes = frame.write(text, at + 4);
    frame.writeUInt32LE(bytes, at);
    at += 4 + bytes;
  }
  at = frame.writeUInt32LE(batchIndex, at);
  frame.set(new Uint8Array(section.buffer), at);
  frame.writeUInt32LE(length, 0);
  frame.writeUInt32LE(checksum(frame, HEADER, frame.length), 4);
  return frame;
}

/** The byte length of the frame starting at `offset`, or null when fewer than its header's bytes are there. */
export function frameLength(bytes: Uint8Array, offset = 0): number | null {
  if (bytes.length - offset < HEADER) return null;
  return HEADER + Buffer.from(bytes.buffer, bytes.byteOffset + offset, 4).readUInt32LE(0);
}

/**
 * The clicks of one whole frame at `offset`; throws TornFrame when it is cut short, its checksum
 * fails, or what it says does not fit in it (a damaged journal must not make a replay allocate a
 * billion clicks).
 */
export function decodeClickFrame(bytes: Uint8Array, offset = 0): ClickEvent[] {
  const frame = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const length = frameLength(frame, offset);
  if (length === null || length < HEADER + 16 || offset + length > frame.length) throw new TornFrame('a click frame cut short');
  if (frame.readUInt32LE(offset + 4) !== checksum(frame, offset + HEADER, offset + length)) throw new TornFrame('a click frame whose checksum fails');
  if (frame.readUInt32LE(offset + HEADER) !== MAGIC) throw new TornFrame('not a click frame');
  const end = offset + length;
  const fits = (at: number, size: number) => {
    if (size > end - at) throw new TornFrame('a click frame whose contents do not fit in it');
  };
  let at = offset + HEADER + 4;
  const count = frame.readUInt32LE(at);
  const textCount = frame.readUInt32LE(at + 4);
  at += 8;
  fits(at, textCount * 4 + 4 + count * CLICK_BYTES);
  const texts: string[] = new Array(textCount);
  for (let t = 0; t < textCount; t++) {
    fits(at, 4);
    const size = frame.readUInt32LE(at);
    fits(at + 4, size);
    texts[t] = frame.toString('utf8', at + 4, at + 4 + size);
    at += 4 + size;
  }
  fits(at, 4 + count * CLICK_BYTES);
  const text = (i: number) => {
    if (i === NONE) return null;
    if (i >= textCount) throw new TornFrame('a click frame naming a text it does not hold');
    return texts[i]!;
  };
  const batch = text(frame.readUInt32LE(at));
  if (batch === null) throw new TornFrame('a click frame without its batch id');
  at += 4;
  const clicks: ClickEvent[] = new Array(count);
  for (let c = 0; c < count; c++) {
    const click: ClickEvent = {
      id: `${batch}.${c.toString(36)}`,
      at: frame.readDoubleLE(at),
      linkId: text(frame.readUInt32LE(at + 8))!,
      ownerId: text(frame.readUInt32LE(at + 12))!,
      code: text(frame.readUInt32LE(at + 16))!,
      referrer: text(frame.readUInt32LE(at + 20)),
      userAgent: text(frame.readUInt32LE(at + 24)),
      visitor: text(frame.readUInt32LE(at + 28)),
      country: text(frame.readUInt32LE(at + 32)),
    };
    const target = text(frame.readUInt32LE(at + 36));
    if (target !== null) click.target = target;
    clicks[c] = click;
    at += CLICK_BYTES;
  }
  return clicks;
}

/**
 * The clicks of `bytes` that must be whole frames one after another (a POST /events body): the
 * first torn frame throws TornFrame. Unlike decodeClickFrames it never searches on for a next
 * frame, so a hostile body costs one pass over its bytes, not one per magic word in it.
 */
export function decodeWholeClickFrames(bytes: Uint8Array): ClickEvent[] {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const clicks: ClickEvent[] = [];
  for (let offset = 0; offset < buffer.length; offset += frameLength(buffer, offset)!) {
    for (const click of decodeClickFrame(buffer, offset)) clicks.push(click);
  }
  return clicks;
}

/**
 * Every whole frame in `bytes`, in order; `torn` is true when some bytes were not a whole frame (a
 * crash or a power cut at the end; a failed write in the middle, whose next whole frame is found
 * again by its magic word).
 */
export function decodeClickFrames(bytes: Uint8Array): { batches: ClickEvent[][]; torn: boolean } {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const batches: ClickEvent[][] = [];
  let torn = false;
  let offset = 0;
  while (offset < buffer.length) {
    try {
      batches.push(decodeClickFrame(buffer, offset));
      offset += frameLength(buffer, offset)!;
    } catch (error) {
      if (!(error instanceof TornFrame)) throw error;
      torn = true;
      const next = buffer.indexOf(MAGIC_BYTES, offset + HEADER + 1);
      if (next === -1) break;
      offset = next - HEADER;
    }
  }
  return { batches, torn };
}

/**
 * Where an event id is kept for exactly-once: `<batch>.<seq>` (the redirector's form, seq in
 * canonical base 36) as the batch's dictionary key and the number; any other id whole, seq -1.
 * -1 keeps `x` and `x.0` apart; a non-canonical seq (`x.01`) is kept whole, so two distinct ids
 * never share a key.
 */
export interface StoredId {
  batch: string;
  seq: number;
}

/** The seq is an integer column on PostgreSQL: at most 2^31 - 1 (a larger one keeps the id whole). */
const MAX_SEQ_DIGITS = 6;
const MAX_SEQ = 2 ** 31 - 1;
const WHOLE = -1;

function isCanonicalSeq(text: string): boolean {
  if (text.length === 0 || text.length > MAX_SEQ_DIGITS || (text.length > 1 && text.charCodeAt(0) === 48)) return false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 122))) return false;
  }
  return true;
}

export function splitEventId(id: string): StoredId {
  const dot = id.indexOf('.');
  if (dot <= 0 || id.indexOf('.', dot + 1) !== -1) return { batch: id, seq: WHOLE };
  const text = id.slice(dot + 1);
  const seq = isCanonicalSeq(text) ? Number.parseInt(text, 36) : WHOLE;
  return seq !== WHOLE && seq <= MAX_SEQ ? { batch: id.slice(0, dot), seq } : { batch: id, seq: WHOLE };
}

export function joinEventId({ batch, seq }: StoredId): string {
  return seq === WHOLE ? batch : `${batch}.${seq.toString(36)}`;
}

/** Ids that the pre-003 schema may hold in click_events: looked up there before a new one is stored. */
export const mayBeLegacy = (id: string, dottedLegacy: boolean): boolean => dottedLegacy || !id.includes('.');

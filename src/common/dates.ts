// A calendar date, optionally a time (seconds and fraction optional) with Z or an offset.
const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-](\d{2}):(\d{2})))?$/;

export const MIN_YEAR = 1970;
export const MAX_YEAR = 9999;
/** The last millisecond of MAX_YEAR: a later instant has no ISO-8601 form of four-digit years. */
export const MAX_INSTANT_MS = Date.UTC(MAX_YEAR, 11, 31, 23, 59, 59, 999);

/**
 * Epoch milliseconds of a real ISO-8601 instant, or null. Stricter than Date.parse, which
 * rolls 2026-02-30 over to March 2, reads a time without offset as local time, and accepts
 * year 0000; a leap second (:60) is refused too, since a timestamp column cannot hold it.
 */
export function parseInstant(value: string): number | null {
  const match = ISO.exec(value);
  if (!match) return null;
  const [, y, mo, d, h = '0', mi = '0', s = '0', , oh = '0', om = '0'] = match;
  const [year, month, day] = [Number(y), Number(mo), Number(d)];
  if (year < MIN_YEAR || year > MAX_YEAR || month < 1 || month > 12) return null;
  if (day < 1 || day > new Date(Date.UTC(year, month, 0)).getUTCDate()) return null;
  if (Number(h) > 23 || Number(mi) > 59 || Number(s) > 59 || Number(oh) > 23 || Number(om) > 59) return null;
  const ms = Date.parse(match[4] === undefined ? `${value}T00:00:00Z` : value);
  return Number.isNaN(ms) ? null : ms;
}

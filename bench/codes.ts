// What every target is seeded with, shared by the seeder and the ceiling server so both answer
// the same paths. Kept free of database imports: the ceiling must stay a bare node:http process.

/** Links in the mix workload: more than a few, so the redirector's cache misses at first. */
export const MIX_LINKS = 10_000;

/** A desktop Chrome user agent: the product counts it as a human click, not a bot. */
export const CHROME_UA =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';

/** The short code of mix link `i` (0 is also the hot link). */
export const codeOf = (i: number): string => `b${String(i).padStart(5, '0')}`;

export const targetOf = (i: number): string => `https://example.com/landing/${i}`;

export const HOT_CODE = codeOf(0);

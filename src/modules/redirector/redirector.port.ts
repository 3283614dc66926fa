import type { ClickSink } from '../analytics/index.ts';
import type { LinksPort, ResolvedLink } from '../links/index.ts';

export type { ClickSink, ResolvedLink };

/** The one lookup the redirector needs; a cached wrapper and the bare port both fit. */
export type LinkResolver = Pick<LinksPort, 'resolve'>;

/** What the redirector needs to know about clicks already counted, for maxClicks. */
export interface ClickCounts {
  totalsFor(linkIds: readonly string[]): Promise<Map<string, number>>;
}

/** Cache control, called when a link changes (in-process, over HTTP or from Redis). */
export interface LinkCache extends LinkResolver {
  /** The cached link, synchronously; undefined on a miss (which is then counted by resolve). */
  peek(code: string): ResolvedLink | undefined;
  invalidate(code: string): void;
  clear(): void;
}

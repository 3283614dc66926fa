import type { Kysely } from 'kysely';
import type { Database } from '../../common/db.ts';

// The raw tables of migrations 001 (click_events, read only since 003) and 003 (click_raw and its dictionaries).
type ExportTables = {
  click_link_keys: { id: number; link_id: string };
  click_raw: { batch: number; seq: number; link: number; at: number; referrer: number | null; agent: number | null; visitor: number | null; country: string | null; is_bot: number };
  click_referrers: { id: number; referrer: string };
  click_agents: { id: number; user_agent: string };
  click_visitor_keys: { id: number; visitor: string };
  click_events: { id: string; link_id: string; at: number; referrer: string | null; user_agent: string | null; visitor: string | null; country: string | null; is_bot: number };
};

/** One stored click with its texts looked up, as both tables give it. */
export interface StoredClick {
  at: number;
  referrer: string | null;
  userAgent: string | null;
  visitor: string | null;
  country: string | null;
  isBot: boolean;
}

/** An inclusive range of click times, in epoch milliseconds. */
export interface ExportRange {
  from: number;
  to: number;
}

export type RawKey = { batch: number; seq: number };

/**
 * The reads of the clicks export: one page per call, keyset-paginated on each table's primary
 * key, so a page is one short statement (no cursor or read transaction held open between pages,
 * which on SQLite would keep the connection the click writer needs busy).
 */
export function createExportRepository(database: Database) {
  const db: Kysely<ExportTables> = database.db.withTables<ExportTables>();
  const toClick = (r: { at: number; referrer: string | null; user_agent: string | null; visitor: string | null; country: string | null; is_bot: number }): StoredClick => ({
    at: Number(r.at),
    referrer: r.referrer,
    userAgent: r.user_agent,
    visitor: r.visitor,
    country: r.country,
    isBot: Number(r.is_bot) === 1,
  });

  return {
    /** The link's id in click_link_keys; undefined when no click of it was stored since 003. */
    async linkKey(linkId: string): Promise<number | undefined> {
      const row = await db.selectFrom('click_link_keys').select('id').where('link_id', '=', linkId).executeTakeFirst();
      return row === undefined ? undefined : Number(row.id);
    },

    /** The highest batch id stored: where an export that started now ends. */
    async lastBatch(): Promise<number | null> {
      const row = await db.selectFrom('click_raw').select((eb) => eb.fn.max('batch').as('b')).executeTakeFirst();
      return row?.b == null ? null : Number(row.b);
    },

    /** Whether any click was stored before migration 003. */
    async hasLegacy(): Promise<boolean> {
      return (await db.selectFrom('click_events').select('id').limit(1).executeTakeFirst()) !== undefined;
    },

    /**
     * Up to `limit` clicks of click_raw after `after` and in a batch below `below`, in key order
     * (the order they were stored). `below` bounds what one statement scans: there is no index on
     * (link, at), and on SQLite a long scan would hold the event loop.
     */
    async rawPage(link: number, { from, to }: ExportRange, after: RawKey, below: number, limit: number) {
      // The page is chosen first, the texts joined to its rows only: on tables not analyzed yet,
      // PostgreSQL joined the whole window and sorted it (1 s a page instead of 2 ms).
      const page = db
        .selectFrom('click_raw as r')
        .selectAll('r')
        .where('r.link', '=', link)
        .where('r.at', '>=', from)
        .where('r.at', '<=', to)
        .where((eb) => eb(eb.refTuple('r.batch', 'r.seq'), '>', eb.tuple(after.batch, after.seq)))
        .where('r.batch', '<', below)
        .orderBy('r.batch')
        .orderBy('r.seq')
        .limit(limit)
        .as('p');
      const rows = await db
        .selectFrom(page)
        .leftJoin('click_referrers as f', 'f.id', 'p.referrer')
        .leftJoin('click_agents as a', 'a.id', 'p.agent')
        .leftJoin('click_visitor_keys as v', 'v.id', 'p.visitor')
        .select(['p.batch', 'p.seq', 'p.at', 'f.referrer', 'a.user_agent', 'v.visitor', 'p.country', 'p.is_bot'])
        .orderBy('p.batch')
        .orderBy('p.seq')
        .execute();
      const last = rows.at(-1);
      return { clicks: rows.map(toClick), last: last ? { batch: Number(last.batch), seq: Number(last.seq) } : null };
    },

    /** Up to `limit` clicks stored before migration 003 (click_events), after id `after`, in id order. */
    async legacyPage(linkId: string, { from, to }: ExportRange, after: string | null, limit: number) {
      const rows = await db
        .selectFrom('click_events')
        .select(['id', 'at', 'referrer', 'user_agent', 'visitor', 'country', 'is_bot'])
        .where('link_id', '=', linkId)
        .where('at', '>=', from)
        .where('at', '<=', to)
        .$if(after !== null, (q) => q.where('id', '>', after!))
        .orderBy('id')
        .limit(limit)
        .execute();
      return { clicks: rows.map(toClick), last: rows.at(-1)?.id ?? null };
    },
  };
}

export type ExportRepository = ReturnType<typeof createExportRepository>;

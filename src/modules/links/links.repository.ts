import { sql, type Kysely } from 'kysely';
import { withRetry, type Database } from '../../common/db.ts';

export interface LinkRow {
  id: string;
  code: string;
  owner_id: string;
  url: string;
  title: string | null;
  created_at: number;
  updated_at: number;
  expires_at: number | null;
  max_clicks: number | null;
  password_hash: string | null;
  redirect_type: number;
  /** The targeting rules as JSON, or null. */
  rules: string | null;
}

type LinksTables = {
  links: LinkRow;
  links_tags: { link_id: string; tag: string };
}

export interface ListFilter {
  limit: number;
  after: { createdAt: number; id: string } | null;
  q?: string;
  tag?: string;
}

/** `%` and `_` in a search term are literal, not wildcards. */
const likePattern = (term: string) => `%${term.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** The only code that touches the links tables. Every owner-facing query is scoped by owner_id. */
export function createLinksRepository(database: Database) {
  const db: Kysely<LinksTables> = database.db.withTables<LinksTables>();

  async function replaceTags(trx: Kysely<LinksTables>, linkId: string, tags: readonly string[]) {
    await trx.deleteFrom('links_tags').where('link_id', '=', linkId).execute();
    if (tags.length > 0) {
      await trx.insertInto('links_tags').values(tags.map((tag) => ({ link_id: linkId, tag }))).execute();
    }
  }

  return {
    // Writes retry a lock held by another process on timers (withRetry), never in a busy wait.
    async insert(row: LinkRow, tags: readonly string[]): Promise<void> {
      await withRetry(() =>
        db.transaction().execute(async (trx) => {
          await trx.insertInto('links').values(row).execute();
          await replaceTags(trx, row.id, tags);
        }),
      );
    },

    findByCode: (code: string) => db.selectFrom('links').selectAll().where('code', '=', code).executeTakeFirst(),

    findByCodes: async (codes: readonly string[]) => (codes.length === 0 ? [] : db.selectFrom('links').selectAll().where('code', 'in', codes).execute()),

    findOwned: (ownerId: string, code: string) =>
      db.selectFrom('links').selectAll().where('code', '=', code).where('owner_id', '=', ownerId).executeTakeFirst(),

    list(ownerId: string, filter: ListFilter): Promise<LinkRow[]> {
      let query = db.selectFrom('links').selectAll().where('owner_id', '=', ownerId);
      if (filter.after) {
        const { createdAt, id } = filter.after;
        query = query.where((eb) =>
          eb.or([eb('created_at', '<', createdAt), eb.and([eb('created_at', '=', createdAt), eb('id', '<', id)])]),
        );
      }
      if (filter.q) {
        const pattern = likePattern(filter.q);
        query = query.where((eb) =>
          eb.or(
            (['code', 'url', 'title'] as const).map((column) => sql<boolean>`lower(${eb.ref(column)}) like ${pattern} escape '\\'`),
          ),
        );
      }
      if (filter.tag) {
        const tag = filter.tag;
        query = query.where('id', 'in', (eb) => eb.selectFrom('links_tags').select('link_id').where('tag', '=', tag));
      }
      return query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(filter.limit).execute();
    },

    async tagsFor(linkIds: readonly string[]): Promise<Map<string, string[]>> {
      const tags = new Map<string, string[]>(linkIds.map((id) => [id, []]));
      if (linkIds.length === 0) return tags;
      const rows = await db
        .selectFrom('links_tags')
        .select(['link_id', 'tag'])
        .where('link_id', 'in', linkIds)
        .orderBy('tag')
        .execute();
      for (const row of rows) tags.get(row.link_id)?.push(row.tag);
      return tags;
    },

    async update(id: string, fields: Partial<LinkRow>, tags: readonly string[] | undefined): Promise<void> {
      await withRetry(() =>
        db.transaction().execute(async (trx) => {
          await trx.updateTable('links').set(fields).where('id', '=', id).execute();
          if (tags) await replaceTags(trx, id, tags);
        }),
      );
    },

    async delete(id: string): Promise<void> {
      await withRetry(() =>
        db.transaction().execute(async (trx) => {
          await trx.deleteFrom('links_tags').where('link_id', '=', id).execute();
          await trx.deleteFrom('links').where('id', '=', id).execute();
        }),
      );
    },

    async count(ownerId: string): Promise<number> {
      const row = await db
        .selectFrom('links')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('owner_id', '=', ownerId)
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
  };
}

export type LinksRepository = ReturnType<typeof createLinksRepository>;

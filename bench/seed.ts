import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { openDatabase, type Database } from '../src/common/db.ts';
import type { LinkRow } from '../src/modules/links/links.repository.ts';
import { MIX_LINKS, codeOf, targetOf } from './codes.ts';

// The bench writes the product's own table layout; the row type comes from the links repository.
type SeedTables = {
  auth_users: { id: string; name: string };
  links: LinkRow;
};

// 500 rows × 11 columns stays under SQLite's 32,766 bound parameters per statement.
const ROWS_PER_INSERT = 500;

export const seedTables = (database: Database): Kysely<SeedTables> => database.db.withTables<SeedTables>();

/** The id of the user `morphlink user create <name>` made: links need it as their owner. */
export async function ownerIdOf(db: Kysely<SeedTables>, name: string): Promise<string> {
  const row = await db.selectFrom('auth_users').select('id').where('name', '=', name).executeTakeFirst();
  if (!row) throw new Error(`No user "${name}" in auth_users: run \`morphlink user create ${name}\` first.`);
  return row.id;
}

/**
 * Writes the mix's links straight into the migrated `links` table, in one transaction.
 * Bulk SQL rather than POST /api/links: creating links through the API is not what this
 * benchmark measures, and thousands of authenticated requests per target (each its own commit)
 * would eat most of the --quick budget before the first redirect is timed.
 */
export async function seedMixLinks(databaseUrl: string, ownerName: string): Promise<string> {
  const database = openDatabase(databaseUrl);
  try {
    const db = seedTables(database);
    const ownerId = await ownerIdOf(db, ownerName);
    const now = Date.now();
    const rows = Array.from({ length: MIX_LINKS }, (_, i) => ({
      id: randomUUID(),
      code: codeOf(i),
      owner_id: ownerId,
      url: targetOf(i),
      title: null,
      created_at: now + i,
      updated_at: now + i,
      expires_at: null,
      max_clicks: null,
      password_hash: null,
      redirect_type: 302,
    }));
    await db.transaction().execute(async (trx) => {
      for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) {
        await trx.insertInto('links').values(rows.slice(i, i + ROWS_PER_INSERT)).execute();
      }
    });
    return ownerId;
  } finally {
    await database.close();
  }
}

// The database handle's shape, apart from db.ts so db.postgres.ts can use it without an import cycle.
import type SqliteDatabase from 'better-sqlite3';
import type { Kysely } from 'kysely';

export type Dialect = 'sqlite' | 'postgres';

export interface Database {
  /** Untyped here; each module narrows it with `db.withTables<ItsTables>()`. */
  db: Kysely<object>;
  dialect: Dialect;
  url: string;
  /** The raw better-sqlite3 handle (SQLite only), for the few hot statements that skip the query builder. */
  sqlite: SqliteDatabase.Database | null;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Timeouts: DB_STATEMENT_TIMEOUT_MS, DB_CONNECT_TIMEOUT_MS, SQLITE_BUSY_TIMEOUT_MS. */
export interface DatabaseOptions {
  statementTimeoutMs: number;
  connectTimeoutMs: number;
  sqliteBusyTimeoutMs: number;
}

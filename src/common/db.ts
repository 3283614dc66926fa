import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect, type Migration, type MigrationProvider } from 'kysely';
import { LRUCache } from 'lru-cache';
import { openPostgres } from './db.postgres.ts';
import type { Database, DatabaseOptions, Dialect } from './db.types.ts';

export type { Database, DatabaseOptions, Dialect } from './db.types.ts';

/** A module's migrations, built for the dialect they will run on. */
export type ModuleMigrations = (dialect: Dialect) => Record<string, Migration>;

const STARTUP_BUSY_TIMEOUT_MS = 10_000;

export const DEFAULT_DATABASE_OPTIONS: Readonly<DatabaseOptions> = { statementTimeoutMs: 5_000, connectTimeoutMs: 5_000, sqliteBusyTimeoutMs: 50 };

export function openDatabase(url: string, options: DatabaseOptions = DEFAULT_DATABASE_OPTIONS): Database {
  return url.startsWith('sqlite:') ? openSqlite(url, options) : openPostgres(url, options);
}

function openSqlite(url: string, options: DatabaseOptions): Database {
  const file = url.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
  if (file !== ':memory:') mkdirSync(dirname(resolve(file)), { recursive: true });
  const sqlite = new SqliteDatabase(file);
  // WAL lets readers in other processes run during a write. better-sqlite3 waits for a lock
  // synchronously, freezing the event loop (redirects included), so the busy timeout is short
  // and writes retry asynchronously instead (withRetry), then fail with a 503.
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma(`busy_timeout = ${options.sqliteBusyTimeoutMs}`);
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('temp_store = MEMORY');
  sqlite.pragma('cache_size = -32000');
  const db = new Kysely<object>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
  return {
    db,
    dialect: 'sqlite',
    url,
    sqlite,
    ping: async () => void sqlite.prepare('select 1').get(),
    close: () => db.destroy(),
  };
}

const CACHED_STATEMENTS = 500;

/**
 * The connection as Kysely sees it, with each SQL text prepared once: Kysely asks for a new
 * statement for every query it runs (a link lookup on a cold redirect cache took 22 µs with a
 * statement prepared each time, 14-16 µs with this). Kysely runs one query at a time on the
 * connection; a statement still being iterated is not shared all the same.
 */
function withStatementCache(sqlite: SqliteDatabase.Database) {
  const statements = new LRUCache<string, SqliteDatabase.Statement>({ max: CACHED_STATEMENTS });
  return {
    close: () => sqlite.close(),
    prepare(sql: string) {
      const cached = statements.get(sql);
      if (cached !== undefined && !cached.busy) return cached;
      const statement = sqlite.prepare(sql);
      if (cached === undefined) statements.set(sql, statement);
      return statement;
    },
  };
}

/** Applies one module's migrations, tracked in that module's own table. */
export async function migrate(database: Database, module: string, migrations: ModuleMigrations): Promise<void> {
  const all = migrations(database.dialect);
  const provider: MigrationProvider = { getMigrations: async () => all };
  const migrator = new Migrator({
    db: database.db,
    provider,
    migrationTableName: `${module}_migrations`,
    migrationLockTableName: `${module}_migrations_lock`,
  });
  // At start, before any traffic, blocking on another process's migration is fine: wait long.
  const sqlite = database.sqlite;
  const busyTimeout: unknown = sqlite?.pragma('busy_timeout', { simple: true });
  sqlite?.pragma(`busy_timeout = ${STARTUP_BUSY_TIMEOUT_MS}`);
  try {
    const { error } = await migrator.migrateToLatest();
    if (error) throw error instanceof Error ? error : new Error(String(error));
  } finally {
    sqlite?.pragma(`busy_timeout = ${Number(busyTimeout)}`);
  }
}

/**
 * One Database per distinct URL in this process: modules that share a DATABASE_URL share a
 * connection (SQLite allows one writer, so two connections in one process would only contend).
 */
export function createDatabases(options: DatabaseOptions = DEFAULT_DATABASE_OPTIONS): {
  open(url: string): Database;
  /** Every database this process opened answers (readiness). */
  pingAll(): Promise<void>;
  closeAll(): Promise<void>;
} {
  const byUrl = new Map<string, Database>();
  return {
    open(url) {
      let database = byUrl.get(url);
      if (!database) {
        database = openDatabase(url, options);
        byUrl.set(url, database);
      }
      return database;
    },
    async pingAll() {
      await Promise.all([...byUrl.values()].map((d) => d.ping()));
    },
    async closeAll() {
      await Promise.all([...byUrl.values()].map((d) => d.close()));
      byUrl.clear();
    },
  };
}

const BUSY_CODES = new Set(['SQLITE_BUSY', 'SQLITE_BUSY_SNAPSHOT', 'SQLITE_LOCKED', '40001', '40P01']);

/**
 * Retries a write that lost a lock race (SQLite across processes, PostgreSQL serialization).
 * The waits are timers, not a busy timeout: the event loop stays free. Eight attempts wait about
 * 3 s in all; then the lock error goes up and the request answers 503 with Retry-After.
 */
export async function withRetry<T>(work: () => Promise<T>, attempts = 8): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (attempt >= attempts || !code || !BUSY_CODES.has(code)) throw error;
      await new Promise((r) => setTimeout(r, 10 * 2 ** attempt + Math.random() * 20));
    }
  }
}

/** A unique constraint refused the row (SQLite or PostgreSQL). */
export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === '23505';
}

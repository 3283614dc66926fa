import { createRequire } from 'node:module';
import type PgModule from 'pg';
import { Kysely, PostgresDialect, sql, type PostgresPool, type PostgresPoolClient } from 'kysely';
import type { Database, DatabaseOptions } from './db.types.ts';

const INT8_OID = 20;
/** The client gives up this long after the server's statement_timeout: only a stalled network gets there. */
const CLIENT_GRACE_MS = 1_000;

// Loaded on first use: a monolith on SQLite never pays the PostgreSQL driver's memory.
const requireOnDemand = createRequire(import.meta.url);

export function openPostgres(url: string, options: DatabaseOptions): Database {
  const pg = requireOnDemand('pg') as typeof PgModule;
  const pool = new pg.Pool({
    connectionString: url,
    max: 10,
    connectionTimeoutMillis: options.connectTimeoutMs,
    // Sent at connect: the server cancels a runaway statement (57014) and the connection lives on.
    statement_timeout: options.statementTimeoutMs,
    query_timeout: options.statementTimeoutMs + CLIENT_GRACE_MS,
    idle_in_transaction_session_timeout: options.statementTimeoutMs * 2,
    keepAlive: true,
    // Timestamps are stored as epoch milliseconds in bigint columns: they fit in a JS number.
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === INT8_OID ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
  pool.on('error', () => {
    // An idle client lost its connection; the pool replaces it. /ready reports a real outage.
  });
  pool.on('connect', (client) => {
    // A checked-out client has no pool listener: without this one, a dropped connection
    // (pg_terminate_backend, a failover, a TCP reset) is an unhandled 'error' that ends the process.
    // The query in flight fails on its own, and the request answers 503.
    client.on('error', () => undefined);
  });
  const db = new Kysely<object>({ dialect: new PostgresDialect({ pool: discardingBrokenClients(pool) }) });
  return {
    db,
    dialect: 'postgres',
    url,
    sqlite: null,
    ping: async () => void (await sql`select 1`.execute(db)),
    close: () => db.destroy(),
  };
}

/** A SQLSTATE is five characters; anything else (no code, ECONNRESET) came from the client or the socket. */
const isServerError = (error: unknown) => /^[0-9A-Z]{5}$/.test(String((error as { code?: unknown }).code ?? ''));

/**
 * The pool as Kysely sees it, but a client whose query failed in the client or on the socket
 * (a read timeout, a reset) is destroyed on release instead of going back to the pool: after a
 * read timeout pg still waits for that answer, so every later query on it would queue forever.
 */
function discardingBrokenClients(pool: PgModule.Pool): PostgresPool {
  return {
    async connect(): Promise<PostgresPoolClient> {
      const client = await pool.connect();
      let broken = false;
      const markBroken = (error: unknown) => {
        if (!isServerError(error)) broken = true;
        throw error;
      };
      return {
        query: ((...args: [never]) => {
          const result = client.query(...args) as unknown;
          return result instanceof Promise ? result.catch(markBroken) : result;
        }) as PostgresPoolClient['query'],
        release: (destroy?: boolean) => client.release(Boolean(destroy) || broken),
      };
    },
    end: () => pool.end(),
  };
}

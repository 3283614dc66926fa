// Shared by the tests beside the code: throwaway databases, principals and a clock. Not part of the product.
import { after, before } from 'node:test';
import { pino } from 'pino';
import { migrate, openDatabase, type Database, type Dialect, type ModuleMigrations } from '../../src/common/db.ts';
import { AppError } from '../../src/common/errors.ts';
import type { Principal } from '../../src/common/principal.ts';
import type { ClickEvent } from '../../src/modules/analytics/index.ts';
import { createClickJournal } from '../../src/modules/redirector/index.ts';
import { createScratch as createDatabaseScratch } from '../contract/database.ts';

export const DIALECTS: readonly Dialect[] = ['sqlite', 'postgres'];

/** A fresh database URL of the given dialect, and how to remove it again. */
export interface Scratch {
  url: string;
  dir: string;
  remove(): Promise<void>;
}

/** The contract suite's throwaway databases (a temp SQLite file, or a fresh PostgreSQL database). */
export async function createScratch(dialect: Dialect): Promise<Scratch> {
  const scratch = await createDatabaseScratch(dialect);
  return { url: scratch.databaseUrl, dir: scratch.dir, remove: scratch.remove };
}

/**
 * Call inside a describe(): opens a scratch database for the suite, applies the modules'
 * migrations before its tests and removes it after. Returns a getter for the open handle.
 */
export function useDatabase(dialect: Dialect, modules: Record<string, ModuleMigrations>): () => Database {
  let scratch: Scratch | undefined;
  let database: Database | undefined;
  before(async () => {
    scratch = await createScratch(dialect);
    database = openDatabase(scratch.url);
    for (const [name, migrations] of Object.entries(modules)) await migrate(database, name, migrations);
  });
  after(async () => {
    await database?.close();
    await scratch?.remove();
  });
  return () => {
    if (!database) throw new Error('useDatabase: the suite has not started yet');
    return database;
  };
}

export const principal = (name: string, isAdmin = false): Principal => ({ id: `user-${name}`, name, isAdmin });

/** A clock the test moves by hand. */
export function fakeClock(start = Date.parse('2024-03-01T10:15:00Z')) {
  let t = start;
  return { now: () => t, advance: (ms: number) => void (t += ms), set: (ms: number) => void (t = ms) };
}

export const silentLogger = pino({ level: 'silent' });

export const CHROME_UA =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';
export const FIREFOX_UA = 'Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0';
export const GOOGLEBOT_UA = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';

/** For `assert.rejects`/`assert.throws`: the error is an AppError with this code. */
export const withCode = (code: string) => (error: unknown) => error instanceof AppError && error.code === code;

let clicks = 0;
/** A human click on `linkId`, now, with a fresh id; `extra` overrides any field. */
export const clickEvent = (linkId: string, extra: Partial<ClickEvent> = {}): ClickEvent => ({
  id: `evt-${++clicks}`,
  linkId,
  ownerId: 'user-owner',
  code: `code-${linkId}`,
  at: Date.now(),
  userAgent: CHROME_UA,
  ...extra,
});

/**
 * The click journal without a file (`dir: null`), handing each turn's clicks to `recorded`: what
 * the redirector's tests record into. Clicks arrive at the end of the event-loop turn, as in production.
 */
export function memoryJournal(recorded: ClickEvent[], visitorId: (ip: string, userAgent: string) => string = (ip) => ip) {
  return createClickJournal({
    dir: null,
    fsyncMs: 60_000,
    rotateMs: 60_000,
    visitorId,
    sink: { record: (click) => void recorded.push(click), flush: async () => undefined },
    logger: silentLogger,
  });
}

/** Resolves after the current event-loop turn, once the journal has written and handed on its clicks. */
export const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export type DbKind = 'sqlite' | 'postgres';

/** A throwaway database for one target: its URL, a scratch directory, and how to remove both. */
export interface Scratch {
  databaseUrl: string;
  dir: string;
  remove(): Promise<void>;
}

const PG_HOST = 'postgres://postgres@127.0.0.1:5432';

export async function createScratch(kind: DbKind): Promise<Scratch> {
  const dir = await mkdtemp(join(tmpdir(), 'morphlink-ct-'));
  const removeDir = () => rm(dir, { recursive: true, force: true });
  if (kind === 'sqlite') {
    return { databaseUrl: `sqlite:${join(dir, 'morphlink.db')}`, dir, remove: removeDir };
  }
  // Random name: suites for several modes may run against one server at the same time.
  const name = `morphlink_ct_${randomBytes(6).toString('hex')}`;
  await pgAdmin(`CREATE DATABASE ${name}`);
  return {
    databaseUrl: `${PG_HOST}/${name}`,
    dir,
    async remove() {
      // FORCE: a server killed with SIGKILL may leave sessions behind for a moment.
      await pgAdmin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await removeDir();
    },
  };
}

async function pgAdmin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: `${PG_HOST}/test` });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

import { resolve } from 'node:path';

/** A database URL fit to print: no password, and a SQLite path resolved, so another working directory shows. */
export function describeDatabase(url: string): string {
  if (url.startsWith('sqlite:')) {
    const file = url.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    return file === ':memory:' || resolve(file) === file ? url : `${url} (${resolve(file)})`;
  }
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}

/** The PostgreSQL database a URL names is not there: says which, and how to create it. */
export class MissingDatabaseError extends Error {
  constructor(url: string) {
    const parsed = new URL(url);
    const name = decodeURIComponent(parsed.pathname.slice(1)) || 'postgres';
    const host = parsed.hostname || 'localhost';
    const port = parsed.port || '5432';
    const user = decodeURIComponent(parsed.username) || process.env.USER || 'postgres';
    super(
      `The PostgreSQL database "${name}" does not exist on ${host}:${port} (${describeDatabase(url)}). ` +
        `Create it with: createdb -h ${host} -p ${port} -U ${user} ${name}   ` +
        `(or: psql -h ${host} -p ${port} -U ${user} -c 'CREATE DATABASE "${name}"')`,
    );
  }
}

/** PostgreSQL's "invalid_catalog_name": the database in the URL does not exist. */
export const isMissingDatabase = (error: unknown): boolean => (error as { code?: unknown } | null)?.code === '3D000';

import { sql } from 'kysely';

type Column = { values: unknown[]; type: string };

/** `select * from unnest($1::text[], $2::bigint[] …)`: a whole batch bound as one array per column. */
export function unnest(columns: Column[]) {
  return sql`select * from unnest(${sql.join(columns.map((c) => sql`${c.values}::${sql.raw(c.type)}[]`))})`;
}

export const col = <R>(rows: readonly R[], type: string, pick: (row: R) => unknown): Column => ({ values: rows.map(pick), type });

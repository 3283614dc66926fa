import { createReadStream, statSync } from 'node:fs';
import { extname } from 'node:path';
import { pipeline } from 'node:stream';
import { parse } from 'csv-parse';
import { stringify } from 'csv-stringify/sync';
import streamArray from 'stream-json/streamers/stream-array.js';
import type { BulkResult, Link, LinksPort } from '../modules/links/index.ts';
import type { Principal } from '../common/principal.ts';
import { withUserLinks } from '../runtime/admin.ts';
import type { Command, CommandInput } from './command.ts';
import { CliError, UsageError, writeChunks } from './output.ts';
import { noteDatabases } from './server-commands.ts';

/** The columns of an import file and of `export links` (which adds shortUrl, createdAt, clicks-free). */
export const LINK_COLUMNS = ['url', 'code', 'title', 'tags', 'expiresAt', 'maxClicks', 'redirectType'] as const;
const EXPORT_COLUMNS = [...LINK_COLUMNS, 'shortUrl', 'createdAt'] as const;
/** Tags share one CSV cell, separated by `|` (as Shlink's importer does). */
const TAG_SEPARATOR = '|';
/** Rows sent to the service at a time: one bulk create each, as POST /api/links/bulk does. */
const BATCH = 500;

/** One row of an import file, with where it was (a CSV line, or a JSON array index). */
interface Row {
  at: string;
  item: unknown;
}

interface Failure {
  at: string;
  status: number;
  code: string;
  detail: string;
}

/** A CSV record as a create body: empty cells are absent, numbers are numbers, tags are split. */
function fromCsv(record: Record<string, string>): Record<string, unknown> {
  const item: Record<string, unknown> = {};
  for (const [name, raw] of Object.entries(record)) {
    const column = LINK_COLUMNS.find((c) => c.toLowerCase() === name.trim().toLowerCase());
    const value = raw.trim();
    if (!column || value === '') continue;
    if (column === 'tags') item.tags = value.split(TAG_SEPARATOR).map((t) => t.trim()).filter(Boolean);
    // Left as text when it is not a number, so the check names the field instead of guessing.
    else if (column === 'maxClicks' || column === 'redirectType') item[column] = /^\d+$/.test(value) ? Number(value) : value;
    else item[column] = value;
  }
  return item;
}

/** A JSON item as a create body: the same fields, null meaning absent (as `export links` writes them); tags may also be one `a|b` string. */
function fromJson(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const item = Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null));
  if (typeof item.tags === 'string') item.tags = item.tags.split(TAG_SEPARATOR).map((t) => t.trim()).filter(Boolean);
  return item;
}

/** The rows of a .csv (header row first) or .json (one array of objects) file, read as a stream. */
async function* readRows(path: string): AsyncGenerator<Row> {
  const source = createReadStream(path);
  if (extname(path).toLowerCase() === '.json') {
    const items = pipeline(source, streamArray.withParserAsStream(), () => {});
    for await (const { key, value } of items as AsyncIterable<{ key: number; value: unknown }>) {
      yield { at: `item ${key}`, item: fromJson(value) };
    }
    return;
  }
  const records = pipeline(source, parse({ columns: true, bom: true, skip_empty_lines: true, info: true, relax_column_count: true }), () => {});
  for await (const { record, info } of records as AsyncIterable<{ record: Record<string, string>; info: { lines: number } }>) {
    yield { at: `line ${info.lines}`, item: fromCsv(record) };
  }
}

/** A progress line on a terminal, redrawn in place; nothing when stderr is a file or a pipe. */
function progressLine(total: number): { update(done: number, read: number): void; end(): void } {
  if (!process.stderr.isTTY) return { update() {}, end() {} };
  const width = 30;
  return {
    update(done, read) {
      const share = total > 0 ? Math.min(1, read / total) : 1;
      const bar = '#'.repeat(Math.round(share * width)).padEnd(width, '.');
      process.stderr.write(`\r[${bar}] ${Math.round(share * 100)}%  ${done} links`);
    },
    end: () => process.stderr.write('\n'),
  };
}

async function importFile(links: LinksPort, owner: Principal, path: string, onBatch: (done: number) => void) {
  const failures: Failure[] = [];
  let created = 0;
  let batch: Row[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    const result: BulkResult = await links.createMany(owner, batch.map((r) => r.item));
    created += result.created;
    for (const r of result.results) {
      if (r.problem) failures.push({ at: batch[r.index]?.at ?? `#${r.index}`, status: r.status, code: r.problem.code, detail: r.problem.detail });
    }
    onBatch(created + failures.length);
    batch = [];
  };
  const rows = readRows(path);
  // A file broken halfway (a stray quote, a cut-off JSON array) still imports the rows before the
  // break; the summary says where reading stopped.
  let stopped: string | null = null;
  for (;;) {
    let next: IteratorResult<Row>;
    try {
      next = await rows.next();
    } catch (error) {
      stopped = `reading stopped after ${created + failures.length + batch.length} rows: ${(error as Error).message}`;
      break;
    }
    if (next.done) break;
    batch.push(next.value);
    if (batch.length >= BATCH) await flush();
  }
  await flush();
  return { created, failures, stopped };
}

function checkFormat(value: unknown, allowed: readonly string[]): string {
  const format = typeof value === 'string' ? value : allowed[0] ?? '';
  if (!allowed.includes(format)) throw new UsageError(`--format must be one of ${allowed.join(', ')}`);
  return format;
}

function userOption(input: CommandInput, command: string): string {
  const user = input.values.user;
  if (typeof user !== 'string' || user === '') throw new UsageError(`${command}: --user <name> is required (whose links)`);
  return user;
}

/** Every link of the owner, a page at a time (newest first), never all in memory. */
async function* linkPages(links: LinksPort, owner: Principal): AsyncGenerator<Link[]> {
  let cursor: string | undefined;
  do {
    const page = await links.list(owner, { limit: 100, ...(cursor && { cursor }) });
    yield page.items;
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
}

const exportRow = (link: Link) => ({
  url: link.url,
  code: link.code,
  title: link.title,
  tags: link.tags,
  expiresAt: link.expiresAt,
  maxClicks: link.maxClicks,
  redirectType: link.redirectType,
  shortUrl: link.shortUrl,
  createdAt: link.createdAt,
});

/**
 * `export links` as text, a page of links per chunk: a JSON array, or CSV with a header row where
 * formula-looking cells (=, +, -, @) are written as text so a spreadsheet does not run them.
 */
async function* linkChunks(pages: AsyncIterable<Link[]>, format: string, onRows: (n: number) => void): AsyncGenerator<string> {
  let first = true;
  for await (const page of pages) {
    const rows = page.map(exportRow);
    onRows(rows.length);
    if (rows.length === 0) continue;
    if (format === 'json') {
      yield `${first ? '[\n' : ',\n'}${rows.map((row) => JSON.stringify(row)).join(',\n')}`;
    } else {
      const cells = rows.map((row) => ({ ...row, tags: row.tags.join(TAG_SEPARATOR) }));
      yield stringify(cells, { header: first, columns: [...EXPORT_COLUMNS], escape_formulas: true });
    }
    first = false;
  }
  if (format === 'json') yield first ? '[]\n' : '\n]\n';
  else if (first) yield `${EXPORT_COLUMNS.join(',')}\n`;
}

export const linkCommands: Record<string, Command> = {
  import: {
    usage: 'import <file.csv|file.json> --user <name>',
    summary: "Create a user's links from a CSV or JSON file, each checked as POST /api/links checks it; ends with what failed and why.",
    details: [
      'OPTIONS',
      '  --user <name>   whose links they become (required)',
      '',
      `CSV: a header row naming any of ${LINK_COLUMNS.join(', ')} (other columns are ignored,`,
      `so a file from \`export links\` imports again); tags separated by "${TAG_SEPARATOR}". JSON: one array of`,
      'objects with the same fields. The file is read as a stream, 500 rows at a time; a bad row never',
      'stops the others. Exit code 1 when any row failed (the summary says which and why).',
    ].join('\n'),
    options: { user: { type: 'string' } },
    arity: [1, 1],
    async run(input) {
      const user = userOption(input, 'import');
      const [path = ''] = input.args;
      const ext = extname(path).toLowerCase();
      if (ext !== '.csv' && ext !== '.json') throw new UsageError(`import: ${path} is neither .csv nor .json`);
      let size: number;
      try {
        size = statSync(path).size;
      } catch {
        throw new CliError('NO_FILE', `import: cannot read ${path}`);
      }
      const [database = ''] = noteDatabases(input.out, input.config(), ['links']);
      const progress = input.out.json ? progressLine(-1) : progressLine(size);
      const { created, failures, stopped } = await withUserLinks(input.config(), user, ({ links, owner }) =>
        importFile(links, owner, path, (done) => progress.update(done, size)),
      );
      progress.end();
      const total = created + failures.length;
      const lines = failures.map((f) => `  ${f.at}: ${f.code} (${f.status}) ${f.detail}`);
      const summary =
        failures.length === 0
          ? `Imported ${created} links for ${user} from ${path}.`
          : `Imported ${created} of ${total} links for ${user} from ${path}; ${failures.length} failed:\n${lines.join('\n')}`;
      input.out.print(
        { user, file: path, created, failed: failures.length, failures, stopped, database },
        stopped ? `${summary}\n${path}: ${stopped}` : summary,
      );
      if (failures.length > 0 || stopped) process.exitCode = 1;
    },
  },
  'export links': {
    usage: 'export links --user <name> [--format csv|json]',
    summary: "Write a user's links to stdout as CSV (default) or a JSON array, a page at a time.",
    details: [
      'OPTIONS',
      '  --user <name>          whose links (required)',
      '  --format csv|json      CSV with a header row (tags joined by "|"), or one JSON array',
      '',
      `Columns: ${EXPORT_COLUMNS.join(', ')}. \`morphlink import\` reads the file back.`,
    ].join('\n'),
    options: { user: { type: 'string' }, format: { type: 'string' } },
    arity: [0, 0],
    async run(input) {
      const user = userOption(input, 'export links');
      const format = checkFormat(input.values.format, ['csv', 'json']);
      noteDatabases(input.out, input.config(), ['links']);
      let count = 0;
      await withUserLinks(input.config(), user, ({ links, owner }) =>
        writeChunks(linkChunks(linkPages(links, owner), format, (n) => (count += n)), process.stdout),
      );
      input.out.note(`Exported ${count} links of ${user}.`);
    },
  },
};

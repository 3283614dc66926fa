import { parseInstant } from '../common/dates.ts';
import { exportChunks, type ExportFormat } from '../modules/analytics/index.ts';
import { withLinkClicks } from '../runtime/admin.clicks.ts';
import type { Command, Values } from './command.ts';
import { UsageError } from './output.ts';
import { noteDatabases } from './server-commands.ts';

const FORMATS: readonly ExportFormat[] = ['csv', 'ndjson'];

function instantOption(values: Values, name: 'from' | 'to'): number | undefined {
  const value = values[name];
  if (typeof value !== 'string') return undefined;
  const ms = parseInstant(value);
  if (ms === null) throw new UsageError(`export clicks: --${name} must be an ISO-8601 date-time, e.g. 2026-01-31T00:00:00Z (got "${value}")`);
  return ms;
}

/** Resolves on 'drain', or on 'error' (which writeAll's own listener records). */
const drained = (out: NodeJS.WriteStream) =>
  new Promise<void>((resolve) => {
    const done = () => {
      out.off('drain', done);
      out.off('error', done);
      resolve();
    };
    out.on('drain', done);
    out.on('error', done);
  });

/** Writes each chunk when stdout has room; a reader that went away (`| head`) ends the export quietly. */
async function writeAll(chunks: AsyncIterable<string>, out: NodeJS.WriteStream): Promise<void> {
  let failed: (Error & { code?: string }) | undefined;
  const onError = (error: Error) => void (failed ??= error);
  out.on('error', onError);
  try {
    for await (const chunk of chunks) {
      if (!out.write(chunk) && !failed) await drained(out);
      if (failed) break;
    }
  } finally {
    out.off('error', onError);
  }
  if (failed && failed.code !== 'EPIPE') throw failed;
}

export const exportClicksCommands: Record<string, Command> = {
  'export clicks': {
    usage: 'export clicks <code> --user <name> [--format csv|ndjson] [--from <date-time>] [--to <date-time>]',
    summary: "Write every click of a user's link to stdout, as CSV (the default) or NDJSON, read from the database page by page.",
    details: [
      '  --user <name>      the link\'s owner (another user\'s code is "link not found")',
      '  --format csv|ndjson  the same rows as GET /api/links/<code>/clicks.csv and .ndjson',
      '  --from, --to       ISO-8601 date-times, inclusive (default: every click until now)',
      'Columns: time, country, referrer (host), browser, os, device, bot, visitor (the stored visitor hash).',
    ].join('\n'),
    options: { user: { type: 'string' }, format: { type: 'string', default: 'csv' }, from: { type: 'string' }, to: { type: 'string' } },
    arity: [1, 1],
    async run({ config, args: [code = ''], values, out }) {
      const user = values.user;
      if (typeof user !== 'string' || user === '') throw new UsageError('export clicks: --user <name> is required (the owner of the link)');
      const format = values.format as ExportFormat;
      if (!FORMATS.includes(format)) throw new UsageError(`export clicks: --format must be csv or ndjson (got "${String(values.format)}")`);
      const range = { from: instantOption(values, 'from'), to: instantOption(values, 'to') };
      noteDatabases(out, config(), ['auth', 'links', 'analytics']);
      await withLinkClicks(config(), { user, code, range }, (pages) => writeAll(exportChunks(format, pages), process.stdout));
    },
  },
};

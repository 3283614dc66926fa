import { parseInstant } from '../common/dates.ts';
import { exportChunks, type ExportFormat } from '../modules/analytics/index.ts';
import { withLinkClicks } from '../runtime/admin.clicks.ts';
import type { Command, Values } from './command.ts';
import { UsageError, writeChunks } from './output.ts';
import { noteDatabases } from './server-commands.ts';

const FORMATS: readonly ExportFormat[] = ['csv', 'ndjson'];

function instantOption(values: Values, name: 'from' | 'to'): number | undefined {
  const value = values[name];
  if (typeof value !== 'string') return undefined;
  const ms = parseInstant(value);
  if (ms === null) throw new UsageError(`export clicks: --${name} must be an ISO-8601 date-time, e.g. 2026-01-31T00:00:00Z (got "${value}")`);
  return ms;
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
      await withLinkClicks(config(), { user, code, range }, (pages) => writeChunks(exportChunks(format, pages), process.stdout));
    },
  },
};

import { Type } from 'typebox';
import { API_PROBLEMS, problems } from '../../common/http/docs.ts';
import type { App } from '../../common/http/server.ts';
import type { PublicRoute } from '../../common/module.ts';
import { principalOf, type Authenticate } from '../../common/http/principal.ts';
import { EXPORT_COLUMNS, EXPORT_MEDIA_TYPES, exportChunks, exportFileName, primedStream, type ExportFormat } from './analytics.export.format.ts';
import type { ClickExport } from './analytics.export.ts';
import type { LinkLookup } from './analytics.port.ts';
import { instantOf } from './analytics.routes.ts';
import { StatsQuery } from './analytics.schemas.ts';

export interface ExportRoutesOptions {
  exports: ClickExport;
  links: LinkLookup;
  authenticate: Authenticate;
}

/** The module's public routes for these (the gateway's table; links' own /api/links/* would take them otherwise). */
export const EXPORT_ROUTES: readonly PublicRoute[] = [
  { methods: ['GET'], url: '/api/links/:code/clicks.csv' },
  { methods: ['GET'], url: '/api/links/:code/clicks.ndjson' },
];

const ExportQuery = Type.Object({ from: StatsQuery.properties.from, to: StatsQuery.properties.to });

const FORMATS: Record<ExportFormat, { operationId: string; summary: string; description: string }> = {
  csv: {
    operationId: 'exportLinkClicksCsv',
    summary: 'Every click of one of the caller’s links, as CSV (streamed)',
    description: `A header row (${EXPORT_COLUMNS.join(',')}), then one row per click; a cell starting with = + - @ gets a leading apostrophe`,
  },
  ndjson: {
    operationId: 'exportLinkClicksNdjson',
    summary: 'Every click of one of the caller’s links, as NDJSON (streamed)',
    description: `One JSON object per line and click: { ${EXPORT_COLUMNS.join(', ')} }`,
  },
};

/** GET /api/links/:code/clicks.csv and .ndjson: a link's clicks, read page by page as the client takes them. */
export async function exportRoutes(app: App, { exports, links, authenticate }: ExportRoutesOptions) {
  app.addHook('onRequest', authenticate);

  for (const format of ['csv', 'ndjson'] as const) {
    const { operationId, summary, description } = FORMATS[format];
    const mediaType = EXPORT_MEDIA_TYPES[format].split(';')[0]!;
    app.get(
      `/api/links/:code/clicks.${format}`,
      {
        schema: {
          tags: ['analytics'],
          operationId,
          summary,
          params: Type.Object({ code: Type.String({ maxLength: 64 }) }),
          querystring: ExportQuery,
          response: { 200: { description, content: { [mediaType]: { schema: { type: 'string' } } } }, ...problems(400, 404, ...API_PROBLEMS) },
        },
      },
      async (request, reply) => {
        const { from, to } = request.query;
        const range = { from: instantOf(from, 'from'), to: instantOf(to, 'to') };
        const link = await links.owned(principalOf(request), request.params.code);
        const body = await primedStream(exportChunks(format, exports.pages(link, range)));
        return reply
          .type(EXPORT_MEDIA_TYPES[format])
          .header('content-disposition', `attachment; filename="${exportFileName(link.code, format)}"`)
          .header('cache-control', 'private, no-store')
          .send(body);
      },
    );
  }
}

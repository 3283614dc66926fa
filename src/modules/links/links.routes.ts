import { AppError } from '../../common/errors.ts';
import { API_PROBLEMS, BODY_PROBLEMS, noContent, problems } from '../../common/http/docs.ts';
import type { App } from '../../common/http/server.ts';
import { principalOf, type Authenticate } from '../../common/http/principal.ts';
import type { LinksPort } from './links.port.ts';
import {
  BULK_MAX,
  BulkCreateBody,
  BulkReplySchema,
  CodeParams,
  CreateLinkBody,
  LinkPageSchema,
  LinkSchema,
  ListQuery,
  QrQuery,
  UpdateLinkBody,
} from './links.schemas.ts';

const tags = ['links'];
const QrImage = {
  description: 'The QR code of the short URL',
  content: { 'image/svg+xml': { schema: { type: 'string' } }, 'image/png': { schema: { type: 'string', contentMediaType: 'image/png' } } },
};

/** /api/links*: the owner's CRUD over links, and their QR codes. */
export async function linksRoutes(app: App, { links, authenticate }: { links: LinksPort; authenticate: Authenticate }) {
  app.addHook('onRequest', authenticate);

  app.post('/api/links', { config: { limit: 'create' }, schema: { tags, operationId: 'createLink', summary: 'Shorten a URL', body: CreateLinkBody, response: { 201: LinkSchema, ...problems(...BODY_PROBLEMS, 409, ...API_PROBLEMS) } } }, async (request, reply) =>
    reply.code(201).send(await links.create(principalOf(request), request.body)),
  );

  app.post(
    '/api/links/bulk',
    {
      config: { limit: 'create' },
      schema: {
        tags,
        operationId: 'createLinks',
        summary: `Shorten up to ${BULK_MAX} URLs at once: one result per item, in order (207)`,
        description:
          'Each item is a createLink body, checked and created on its own: a bad item comes back as its problem ' +
          '(status, code, field errors) and never blocks the others; a failed item leaves nothing behind.',
        body: BulkCreateBody,
        response: { 207: BulkReplySchema, ...problems(...BODY_PROBLEMS, ...API_PROBLEMS) },
      },
    },
    async (request, reply) => reply.code(207).send(await links.createMany(principalOf(request), request.body.links)),
  );

  app.get('/api/links', { schema: { tags, operationId: 'listLinks', summary: 'The caller’s links, newest first, a page at a time', querystring: ListQuery, response: { 200: LinkPageSchema, ...problems(400, ...API_PROBLEMS) } } }, async (request) =>
    links.list(principalOf(request), request.query),
  );

  app.get('/api/links/:code', { schema: { tags, operationId: 'getLink', summary: 'One of the caller’s links', params: CodeParams, response: { 200: LinkSchema, ...problems(400, 404, ...API_PROBLEMS) } } }, async (request) =>
    links.get(principalOf(request), request.params.code),
  );

  app.patch(
    '/api/links/:code',
    {
      // Before validation, which removes members the body schema does not name: `code` must be refused, not dropped.
      preValidation: async (request) => {
        const body: unknown = request.body;
        if (typeof body === 'object' && body !== null && 'code' in body) {
          throw new AppError('VALIDATION', 'A link keeps its code; create a new link instead.', [{ field: 'code', message: 'cannot be changed' }]);
        }
      },
      schema: {
        tags,
        operationId: 'updateLink',
        summary: 'Change a link: any field but its code; null clears a field',
        params: CodeParams,
        body: UpdateLinkBody,
        response: { 200: LinkSchema, ...problems(...BODY_PROBLEMS, 404, ...API_PROBLEMS) },
      },
    },
    async (request) => links.update(principalOf(request), request.params.code, request.body),
  );

  app.delete('/api/links/:code', { schema: { tags, operationId: 'deleteLink', summary: 'Delete a link; its short URL stops redirecting', params: CodeParams, response: { 204: noContent('Deleted'), ...problems(400, 404, ...API_PROBLEMS) } } }, async (request, reply) => {
    await links.remove(principalOf(request), request.params.code);
    return reply.code(204).send();
  });

  app.get('/api/links/:code/qr', { schema: { tags, operationId: 'getLinkQr', summary: 'A QR code of the short URL, SVG (default) or PNG', params: CodeParams, querystring: QrQuery, response: { 200: QrImage, ...problems(400, 404, ...API_PROBLEMS) } } }, async (request, reply) => {
    const link = await links.get(principalOf(request), request.params.code);
    const { format, size } = request.query;
    // Imported on first use: most deployments never render a QR code.
    const { default: QRCode } = await import('qrcode');
    if (format === 'png') {
      return reply.type('image/png').send(await QRCode.toBuffer(link.shortUrl, { type: 'png', width: size, margin: 2 }));
    }
    return reply.type('image/svg+xml').send(await QRCode.toString(link.shortUrl, { type: 'svg', width: size, margin: 2 }));
  });
}

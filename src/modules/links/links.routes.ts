import { AppError } from '../../common/errors.ts';
import type { App } from '../../common/http/server.ts';
import { principalOf, type Authenticate } from '../../common/http/principal.ts';
import type { LinksPort } from './links.port.ts';
import { CodeParams, CreateLinkBody, LinkPageSchema, LinkSchema, ListQuery, QrQuery, UpdateLinkBody } from './links.schemas.ts';

const tags = ['links'];

/** /api/links*: the owner's CRUD over links, and their QR codes. */
export async function linksRoutes(app: App, { links, authenticate }: { links: LinksPort; authenticate: Authenticate }) {
  app.addHook('onRequest', authenticate);

  app.post('/api/links', { config: { limit: 'create' }, schema: { tags, body: CreateLinkBody, response: { 201: LinkSchema } } }, async (request, reply) =>
    reply.code(201).send(await links.create(principalOf(request), request.body)),
  );

  app.get('/api/links', { schema: { tags, querystring: ListQuery, response: { 200: LinkPageSchema } } }, async (request) =>
    links.list(principalOf(request), request.query),
  );

  app.get('/api/links/:code', { schema: { tags, params: CodeParams, response: { 200: LinkSchema } } }, async (request) =>
    links.get(principalOf(request), request.params.code),
  );

  app.patch(
    '/api/links/:code',
    { schema: { tags, params: CodeParams, body: UpdateLinkBody, response: { 200: LinkSchema } } },
    async (request) => {
      if (typeof request.body === 'object' && request.body !== null && 'code' in request.body) {
        throw new AppError('VALIDATION', 'A link keeps its code; create a new link instead.', [{ field: 'code', message: 'cannot be changed' }]);
      }
      return links.update(principalOf(request), request.params.code, request.body);
    },
  );

  app.delete('/api/links/:code', { schema: { tags, params: CodeParams } }, async (request, reply) => {
    await links.remove(principalOf(request), request.params.code);
    return reply.code(204).send();
  });

  app.get('/api/links/:code/qr', { schema: { tags, params: CodeParams, querystring: QrQuery } }, async (request, reply) => {
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

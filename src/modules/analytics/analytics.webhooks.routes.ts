import { API_PROBLEMS, BODY_PROBLEMS, noContent, problems } from '../../common/http/docs.ts';
import type { App } from '../../common/http/server.ts';
import { principalOf, type Authenticate } from '../../common/http/principal.ts';
import type { WebhooksPort } from './analytics.webhooks.service.ts';
import { CreatedWebhookSchema, CreateWebhookBody, DeliveriesQuery, DeliveryListSchema, WebhookListSchema, WebhookParams } from './analytics.webhooks.schemas.ts';

const tags = ['webhooks'];

/** /api/webhooks*: the caller's webhooks for the clicks of their links, and their deliveries. */
export async function webhooksRoutes(app: App, { webhooks, authenticate }: { webhooks: WebhooksPort; authenticate: Authenticate }) {
  app.addHook('onRequest', authenticate);

  app.post(
    '/api/webhooks',
    {
      schema: {
        tags,
        operationId: 'createWebhook',
        summary: 'Register a URL that receives the clicks of the caller’s links, signed; the secret is shown once',
        body: CreateWebhookBody,
        response: { 201: CreatedWebhookSchema, ...problems(...BODY_PROBLEMS, 409, ...API_PROBLEMS) },
      },
    },
    async (request, reply) => reply.code(201).send(await webhooks.register(principalOf(request), request.body)),
  );

  app.get('/api/webhooks', { schema: { tags, operationId: 'listWebhooks', summary: 'The caller’s webhooks (without their secrets)', response: { 200: WebhookListSchema, ...problems(...API_PROBLEMS) } } }, async (request) => ({
    items: await webhooks.list(principalOf(request)),
  }));

  app.delete(
    '/api/webhooks/:id',
    { schema: { tags, operationId: 'deleteWebhook', summary: 'Delete a webhook; its pending deliveries are dropped', params: WebhookParams, response: { 204: noContent('Deleted'), ...problems(400, 404, ...API_PROBLEMS) } } },
    async (request, reply) => {
      await webhooks.remove(principalOf(request), request.params.id);
      return reply.code(204).send();
    },
  );

  app.get(
    '/api/webhooks/:id/deliveries',
    {
      schema: {
        tags,
        operationId: 'listWebhookDeliveries',
        summary: 'A webhook’s recent deliveries, newest first, each with its attempts and next retry',
        params: WebhookParams,
        querystring: DeliveriesQuery,
        response: { 200: DeliveryListSchema, ...problems(400, 404, ...API_PROBLEMS) },
      },
    },
    async (request) => ({ items: await webhooks.deliveries(principalOf(request), request.params.id, request.query.limit) }),
  );
}

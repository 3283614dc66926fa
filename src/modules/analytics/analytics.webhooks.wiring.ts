import type { WebhookConfig } from '../../common/config.types.ts';
import type { Database } from '../../common/db.ts';
import type { App } from '../../common/http/server.ts';
import type { Authenticate } from '../../common/http/principal.ts';
import type { Logger } from '../../common/logger.ts';
import { createWebhookDispatcher } from './analytics.webhooks.dispatcher.ts';
import { queueWebhookDeliveries } from './analytics.webhooks.outbox.ts';
import { createWebhooksRepository } from './analytics.webhooks.repository.ts';
import { webhooksRoutes } from './analytics.webhooks.routes.ts';
import { createWebhooks } from './analytics.webhooks.service.ts';

/** Webhooks where analytics runs: its routes, the background dispatcher, and the ingest hook. */
export function startWebhooks({ database, logger, config, authenticate }: { database: Database; logger: Logger; config: Readonly<WebhookConfig>; authenticate: Authenticate }) {
  const repository = createWebhooksRepository(database);
  const webhooks = createWebhooks({ repository, allowPrivate: config.allowPrivate });
  const dispatcher = createWebhookDispatcher({ repository, logger, ...config });
  if (config.allowPrivate) logger.warn('WEBHOOK_ALLOW_PRIVATE=true: webhooks may point at private and loopback addresses');
  return {
    onStored: queueWebhookDeliveries(database, logger, dispatcher.nudge),
    routes: (app: App) => void app.register(webhooksRoutes, { webhooks, authenticate }),
    close: () => dispatcher.close(),
  };
}

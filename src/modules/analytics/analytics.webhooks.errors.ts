import { registerErrors } from '../../common/errors.ts';

/** The failures of the webhook routes. */
export const webhooksErrors = registerErrors({
  WEBHOOK_NOT_FOUND: { status: 404, title: 'Webhook not found' },
  INVALID_WEBHOOK_URL: { status: 400, title: 'Invalid webhook URL' },
  WEBHOOK_LIMIT: { status: 409, title: 'Too many webhooks' },
});

declare module '../../common/errors.ts' {
  interface ModuleErrors {
    webhooks: typeof webhooksErrors;
  }
}

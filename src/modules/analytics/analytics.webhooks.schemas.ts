import { Type } from 'typebox';

// The webhook shapes on the wire: the service's types are Static<> of these.

export const CreateWebhookBody = Type.Object(
  {
    url: Type.String({ minLength: 1, maxLength: 2048, description: 'http(s); a private, loopback or link-local address is refused' }),
    secret: Type.Optional(Type.String({ minLength: 16, maxLength: 256, description: 'Signs each delivery; generated when absent' })),
  },
  { additionalProperties: false },
);

export const WebhookSchema = Type.Object({
  id: Type.String(),
  url: Type.String(),
  events: Type.Array(Type.Literal('clicks')),
  createdAt: Type.String({ format: 'date-time' }),
});

/** The 201 reply: the only time the secret is shown. */
export const CreatedWebhookSchema = Type.Object({
  ...WebhookSchema.properties,
  secret: Type.String({ description: 'Shown once: keep it to verify X-MorphLink-Signature' }),
});

export const WebhookListSchema = Type.Object({ items: Type.Array(WebhookSchema) });

export const WebhookParams = Type.Object({ id: Type.String({ maxLength: 64 }) });

export const DeliveriesQuery = Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }) });

const Nullable = <T extends ReturnType<typeof Type.String> | ReturnType<typeof Type.Integer>>(t: T) => Type.Union([t, Type.Null()]);

export const AttemptSchema = Type.Object({
  attempt: Type.Integer({ minimum: 1 }),
  at: Type.String({ format: 'date-time' }),
  statusCode: Nullable(Type.Integer({ description: 'The receiver’s HTTP status; null when none came' })),
  error: Nullable(Type.String({ description: 'Why the attempt failed: a status, a timeout, a refused address' })),
  durationMs: Type.Integer(),
});

export const DeliverySchema = Type.Object({
  id: Type.String({ description: 'Also sent as X-MorphLink-Delivery and in the body' }),
  createdAt: Type.String({ format: 'date-time' }),
  events: Type.Integer({ description: 'Clicks in the body' }),
  status: Type.Union([Type.Literal('pending'), Type.Literal('delivered'), Type.Literal('failed')]),
  attempts: Type.Integer({ description: 'Attempts made so far' }),
  nextRetryAt: Nullable(Type.String({ format: 'date-time' })),
  lastStatusCode: Nullable(Type.Integer()),
  lastError: Nullable(Type.String()),
  log: Type.Array(AttemptSchema),
});

export const DeliveryListSchema = Type.Object({ items: Type.Array(DeliverySchema) });

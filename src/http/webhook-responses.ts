import { z } from 'zod';
import { WEBHOOK_EVENTS, type DeliveryRecord, type WebhookRecord } from '../store/webhook-contract.js';
import { count, isoTime } from './responses.js';
import { idSchema } from './schemas.js';

/** Bodies of the webhook routes (docs/notifications.md). */

export const createWebhookBody = z
  .object({
    url: z.string().min(1).max(2000),
    events: z
      .array(z.enum(WEBHOOK_EVENTS))
      .min(1)
      .max(WEBHOOK_EVENTS.length * 2),
    includeContact: z.boolean().default(false).describe("Opt-in: payloads also carry the ticket's name and contact"),
  })
  .strict();

export const deliveriesQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(500).default(50),
    cursor: z
      .string()
      .regex(/^\d{1,18}$/, 'must be the nextCursor of a previous page')
      .optional(),
  })
  .strict();

export const webhookParams = z.object({ id: idSchema });
export const deliveryParams = z.object({ id: idSchema, deliveryId: idSchema });

export const webhookSchema = z
  .object({
    id: z.string(),
    url: z.string(),
    events: z.array(z.enum(WEBHOOK_EVENTS)),
    includeContact: z.boolean(),
    createdAt: isoTime,
  })
  .describe('A webhook, without its secret');

export const newWebhookSchema = webhookSchema
  .extend({ secret: z.string().describe('`whsec_…` signing secret; shown only here') })
  .describe('The new webhook');

export const deliverySchema = z
  .object({
    id: z.string(),
    webhookId: z.string(),
    messageId: z.string().describe('The `webhook-id` header: the same on every attempt'),
    type: z.enum(WEBHOOK_EVENTS),
    ticketId: z.string(),
    queueId: z.string(),
    status: z.enum(['pending', 'delivered', 'failed']),
    attempts: z.number().int().min(0),
    occurredAt: isoTime,
    nextAttemptAt: isoTime.nullable(),
    lastAttemptAt: isoTime.nullable(),
    deliveredAt: isoTime.nullable(),
    responseStatus: z.number().int().nullable().describe("The receiver's status on the last attempt"),
    latencyMs: z.number().nullable().describe('Duration of the last attempt'),
    error: z.string().nullable(),
  })
  .describe('One event for one webhook and the outcome of its last attempt');

const backlog = { pending: count, failed: count.describe('Out of retries; each can be sent again') };
export const outboxSchema = z
  .object({
    ...backlog,
    oldestPendingSeconds: z.number().min(0).nullable().describe('Age of the oldest undelivered event'),
    byWebhook: z.array(z.object({ webhookId: z.string(), ...backlog })).describe('Webhooks with any pending or failed'),
  })
  .describe('The outbox of every webhook (and the email channel)');

const iso = (d: Date | null) => d?.toISOString() ?? null;

export const webhookView = (w: WebhookRecord) => ({
  id: w.id,
  url: w.url,
  events: [...w.events],
  includeContact: w.includeContact,
  createdAt: w.createdAt.toISOString(),
});

export const deliveryView = (d: DeliveryRecord) => ({
  id: d.id,
  webhookId: d.webhookId,
  messageId: `msg_${d.id}`,
  type: d.type,
  ticketId: d.ticketId,
  queueId: d.queueId,
  status: d.status,
  attempts: d.attempts,
  occurredAt: d.occurredAt.toISOString(),
  nextAttemptAt: iso(d.nextAttemptAt),
  lastAttemptAt: iso(d.lastAttemptAt),
  deliveredAt: iso(d.deliveredAt),
  responseStatus: d.responseStatus,
  latencyMs: d.latencyMs,
  error: d.error,
});

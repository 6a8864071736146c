import { z } from 'zod';
import { PRIORITIES, QUEUE_MODES, QUEUE_STATUSES, TICKET_STATUSES } from '../domain/types.js';
import type { OperatorTicketView, publicQueueView, queueView, TicketView } from '../domain/views.js';
import { ERROR_CODES } from '../errors/index.js';
import { admissionSchema, settingsSchema } from './schemas.js';

/**
 * The bodies every route answers with (docs/api.md). Fastify serializes a response through its
 * schema, so a field missing here never reaches a client: a view that grows a field must grow here
 * too, on purpose.
 */

export const isoTime = z.string().meta({ format: 'date-time' });
export const count = z.number().int().min(0);

const etaSchema = z.object({ lowSeconds: count, highSeconds: count }).describe('Estimated wait, as a range in seconds');

/** What a customer sees of a ticket (`ticketView` in src/domain/views.ts). */
export const ticketViewSchema = z
  .object({
    id: z.string(),
    number: z.number().int(),
    queueId: z.string(),
    status: z.enum(TICKET_STATUSES),
    priority: z.enum(PRIORITIES),
    position: z.number().int().min(1).nullable().describe('Waiting tickets ahead plus one; null when not waiting'),
    eta: etaSchema.nullable(),
    etaAtJoin: etaSchema.nullable().describe('The range quoted when the ticket joined'),
    name: z.string().nullable(),
    counter: z.string().nullable().describe('The desk that called the ticket'),
    createdAt: isoTime,
    calledAt: isoTime.nullable(),
    endedAt: isoTime.nullable(),
    recalls: count.describe('How many times the called ticket was announced again'),
    recalledAt: isoTime.nullable().describe('The last recall'),
    admittedUntil: isoTime.nullable().optional().describe('Admitted waiting-room tickets: when the session ends'),
    pass: z
      .string()
      .nullable()
      .optional()
      .describe('Admitted waiting-room tickets with a running session: the signed pass (ES256 JWT)'),
    continueUrl: z
      .string()
      .nullable()
      .optional()
      .describe('With a pass, in a room with a `siteUrl`: the site’s address carrying the pass (`qk_pass`)'),
  })
  .describe('A ticket as its customer sees it') satisfies z.ZodType<TicketView>;

export const joinResultSchema = ticketViewSchema
  .extend({ token: z.string().describe('The ticket’s secret; shown only here') })
  .describe('The new ticket with its secret token (200: a replayed join, the original ticket)');

export const operatorTicketViewSchema = ticketViewSchema
  .extend({
    contact: z.string().nullable(),
    metadata: z.record(z.string(), z.unknown()).nullable(),
  })
  .describe('A ticket as operators see it, with contact and metadata') satisfies z.ZodType<OperatorTicketView>;

const publicQueueSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    mode: z.enum(QUEUE_MODES),
    status: z.enum(QUEUE_STATUSES),
    waitingCount: count,
    estimatedWait: etaSchema.nullable().describe('For a new joiner'),
    etaCoverage: z
      .object({ samples: count, coverage: z.number().min(0).max(1) })
      .nullable()
      .describe('Share of recent calls whose wait fell inside the range quoted at join; null until enough calls'),
  })
  .describe('A queue as customers see it') satisfies z.ZodType<ReturnType<typeof publicQueueView>>;

/** The display board's read: the public queue view and the latest calls, newest first. */
export const boardSchema = publicQueueSchema
  .extend({
    nowServing: z.array(
      z.object({
        number: z.number().int(),
        counter: z.string().nullable(),
        calledAt: isoTime.nullable(),
        announcedAt: isoTime.nullable().describe('The latest announcement: a recall, else the call'),
      }),
    ),
  })
  .describe('A display board');

export const queueSchema = publicQueueSchema
  .extend({
    capacity: z.number().int().nullable(),
    // Every setting a queue accepts is one it shows: the answer follows the request schema.
    settings: settingsSchema
      .required({ averageServiceSeconds: true, ticketTtlSeconds: true, notifyAtPosition: true })
      .extend({ admission: admissionSchema.optional().describe('Waiting rooms, with the defaults filled in') }),
    serviceSeconds: z.number().nullable().describe('Measured seconds per completed ticket (EWMA)'),
    createdAt: isoTime,
    updatedAt: isoTime,
    closedAt: isoTime.nullable(),
  })
  .describe('A queue as operators see it') satisfies z.ZodType<ReturnType<typeof queueView>>;

/** A list: `{items, nextCursor}`; `nextCursor` is null on the last page. */
export const page = <T extends z.ZodType>(item: T, description: string) =>
  z
    .object({ items: z.array(item), nextCursor: z.string().nullable().describe('null on the last page') })
    .describe(description);

export const idResponse = z.object({ id: z.string() }).describe('Accepted; follow the `Location` header');

/** Answers that carry no body. */
export const noContent = (description: string) => z.undefined().describe(description);

/** The error body of one status, described by the codes that answer with it (docs/errors.md). */
const errorBody = z.object({
  error: z.object({
    code: z.string(),
    message: z.string().describe('For humans; clients match on `code`'),
    details: z.record(z.string(), z.unknown()).optional(),
  }),
});

type ErrorStatus = (typeof ERROR_CODES)[keyof typeof ERROR_CODES];

const ERROR_RESPONSES = new Map<number, z.ZodType>();
for (const status of new Set(Object.values(ERROR_CODES))) {
  const codes = Object.entries(ERROR_CODES)
    .filter(([, s]) => s === status)
    .map(([code]) => `\`${code}\``);
  ERROR_RESPONSES.set(status, errorBody.describe(`Error: ${codes.join(', ')}`));
}

/** The error responses of a route. One schema per status, shared by every route, compiles once. */
export function errors<S extends ErrorStatus>(...statuses: S[]): Record<S, typeof errorBody> {
  return Object.fromEntries(statuses.map((s) => [s, ERROR_RESPONSES.get(s)])) as Record<S, typeof errorBody>;
}

/** `GET /api/queues/:queueId`: the public view, plus the operator fields when a key is sent. */
export const queueOrPublicSchema = queueSchema
  .partial()
  .extend(publicQueueSchema.shape)
  .describe('A queue; the fields past `estimatedWait` only with an operator or admin key');

import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { FastifyReply } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { publicQueueView, queueView } from '../../domain/views.js';
import { AppError } from '../../errors/index.js';
import type { TicketView } from '../../domain/views.js';
import type { AppContext } from '../../runtime/context.js';
import { isStaff } from '../auth.js';
import { errors, joinResultSchema, queueOrPublicSchema, ticketViewSchema } from '../responses.js';
import type { CachedStatus } from '../cached-status.js';
import type { GuessThrottle } from '../guess-throttle.js';
import { joinBody, idSchema, idempotencyHeader } from '../schemas.js';
import { startSse } from '../sse.js';

const MAX_STREAMS_PER_TICKET = 3;
const END_RETRY_MS = 600_000;

/** The content type Fastify gives a serialised JSON answer. */
const JSON_UTF8 = 'application/json; charset=utf-8';

/** Sends JSON already written by the route's serializer, as that serializer's answer would go. */
function sendJson(reply: FastifyReply, json: string): void {
  void reply.type(JSON_UTF8).send(json);
}

const tokenHeader = z.object({ 'x-ticket-token': z.string().max(128).optional() }).passthrough();

/** Customer routes: no key; a ticket's secret token proves ownership. */
export function customerRoutes(ctx: AppContext, guesses: GuessThrottle, cached: CachedStatus): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/api/queues/:queueId',
      {
        schema: {
          tags: ['customers', 'operators'],
          summary: 'A queue: public view, or the full one with a key',
          params: z.object({ queueId: idSchema }),
          response: { 200: queueOrPublicSchema, ...errors(400, 404, 503) },
        },
      },
      async (req) => {
        const q = await ctx.service.queue(req.params.queueId);
        const p = await ctx.auth.resolve(req.headers.authorization);
        return isStaff(p) ? queueView(q, ctx.now()) : publicQueueView(q, ctx.now());
      },
    );

    app.post(
      '/api/queues/:queueId/tickets',
      {
        schema: {
          tags: ['customers'],
          summary: 'Join a queue',
          params: z.object({ queueId: idSchema }),
          headers: z.object({ 'idempotency-key': idempotencyHeader.optional() }).passthrough(),
          body: joinBody,
          response: {
            200: joinResultSchema,
            201: joinResultSchema,
            ...errors(400, 403, 404, 409, 413, 415, 429, 503),
          },
        },
      },
      async (req, reply) => {
        const body = req.body ?? {};
        if (body.priority === 'high') {
          if (!isStaff(await ctx.auth.resolve(req.headers.authorization)))
            throw new AppError('forbidden', 'only an operator may join a ticket with high priority');
        }
        if (ctx.config.joinRateLimit > 0) {
          const d = await ctx.live.limiter.hit(`join:${req.ip}`, ctx.config.joinRateLimit, 60_000);
          if (!d.allowed)
            throw new AppError('rate_limited', 'too many joins from this address; try again shortly', {
              retryAfter: Math.ceil(d.resetMs / 1000),
            });
        }
        const key = req.headers['idempotency-key'] ?? null;
        const { result, replayed } = await ctx.service.join(req.params.queueId, body, key);
        return reply.status(replayed ? 200 : 201).send(result);
      },
    );

    app.get(
      '/api/tickets/:ticketId',
      {
        schema: {
          tags: ['customers'],
          summary: 'A ticket, with its position and ETA',
          params: z.object({ ticketId: idSchema }),
          headers: tokenHeader,
          response: { 200: ticketViewSchema, ...errors(400, 404, 503) },
        },
      },
      (req, reply) => {
        const token = req.headers['x-ticket-token'];
        // Most cached answers go out before routing (src/http/status-fast-path.ts); the rest (a
        // query string, an address blocked elsewhere) still skip the database and the hash here.
        const body = token !== undefined && guesses.isOpen(req) ? cached.body(req.params.ticketId, token) : null;
        if (body === null) return guesses.guard(req, () => ctx.service.customerTicket(req.params.ticketId, token));
        sendJson(reply, body);
        return undefined;
      },
    );

    app.delete(
      '/api/tickets/:ticketId',
      {
        schema: {
          tags: ['customers'],
          summary: 'Leave the queue',
          params: z.object({ ticketId: idSchema }),
          headers: tokenHeader,
          response: { 200: ticketViewSchema.describe('The ticket, now `left`'), ...errors(400, 404, 409, 503) },
        },
      },
      async (req) => guesses.guard(req, () => ctx.service.leave(req.params.ticketId, req.headers['x-ticket-token'])),
    );

    app.get(
      '/api/tickets/:ticketId/events',
      {
        schema: {
          tags: ['customers'],
          summary: 'Server-Sent Events: every change of status or position',
          params: z.object({ ticketId: idSchema }),
          querystring: z.object({ token: z.string().max(128) }).strict(),
          produces: ['text/event-stream'],
          response: {
            200: ticketViewSchema.describe('A stream of `ticket` events; the data of each is the ticket view'),
            ...errors(400, 404, 503),
          },
        },
      },
      async (req, reply) => {
        const first = await guesses.guard(req, () => ctx.service.customerTicket(req.params.ticketId, req.query.token));
        // A page open in a few tabs is normal; hundreds of streams on one ticket are an attack. The
        // slot is taken in the same step as the check, and given back however the request ends.
        const release = ctx.events.reserve(first.id, MAX_STREAMS_PER_TICKET);
        if (!release)
          throw new AppError('rate_limited', `this ticket already has ${MAX_STREAMS_PER_TICKET} open event streams`, {
            retryAfter: 15,
          });
        const start = await openTicketStream(ctx, reply.raw, first, release);
        if (!start) return;
        reply.hijack();
        // The hijacked response skips Fastify's reply, so the security headers set on it go here.
        start(reply.getHeaders() as OutgoingHttpHeaders);
      },
    );
  };
}

/**
 * Prepares a ticket's stream: the slot is given back when the response closes, from now on, so a
 * client that hangs up during the awaits below leaves nothing behind. Resolves to the function
 * that starts the stream, or null when the client is already gone. Kept apart from the route so
 * that the stream's closures do not hold the request and reply objects for the stream's life.
 */
async function openTicketStream(
  ctx: AppContext,
  res: ServerResponse,
  first: TicketView,
  release: () => void,
): Promise<((headers: OutgoingHttpHeaders) => void) | null> {
  let stop: (() => void) | null = null;
  let unwatch: (() => void) | null = null;
  let closed = false;
  res.on('close', () => {
    closed = true;
    release();
    stop?.();
    unwatch?.();
  });
  try {
    unwatch = await ctx.rooms.watching(first.id, first.queueId);
  } catch (e) {
    release();
    throw e;
  }
  if (closed) {
    unwatch();
    return null;
  }
  // The closures below live as long as the stream: they keep the ids, and hand the first view to
  // the watch without holding it beside what the watch keeps of the ticket.
  const { id: ticketId, queueId } = first;
  let firstView: TicketView | null = first;
  return (headers) => {
    const sse = startSse(res, headers);
    // A recall changes nothing the live updates compare, so its fresh view is sent from here.
    const unrecall = ctx.recalls.listen(ticketId, () => {
      ctx.service.watchedTicket(ticketId).then(
        (view) => sse.send('ticket', view),
        () => undefined,
      );
    });
    res.on('close', unrecall);
    const view = firstView as TicketView;
    firstView = null;
    stop = ctx.events.watch(
      queueId,
      view,
      (shown) => sse.sendJson('ticket', shown.json),
      // A browser's EventSource reconnects when a stream closes; `retry` spaces out the retries
      // of a page that does not close it on `end` (it would only be told the same end again).
      (reason) => sse.end('end', { reason }, END_RETRY_MS),
    );
  };
}

import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError, notFound } from '../../errors/index.js';
import type { AppContext } from '../../runtime/context.js';
import { requireRole } from '../auth.js';
import type { GuessThrottle } from '../guess-throttle.js';
import { drawEntriesSchema, drawSchema, jwksSchema, passCheckSchema } from '../waiting-room-responses.js';
import { errors, noContent, ticketViewSchema } from '../responses.js';
import { idSchema } from '../schemas.js';

const tokenHeader = z.object({ 'x-ticket-token': z.string().max(128).optional() }).passthrough();
const ticketParams = z.object({ id: idSchema });

/** Waiting rooms: the pass keys, sessions, pass checks for sites, and the public draw. */
export function waitingRoomRoutes(ctx: AppContext, guesses: GuessThrottle): FastifyPluginAsyncZod {
  /** A session ended early keeps a well-signed pass; only the room knows it no longer holds. */
  const check = async (pass: string) => {
    const r = await ctx.rooms.passes.verify(pass);
    if (r.valid && r.ticketId !== null && !(await ctx.rooms.isActive(r.ticketId)))
      return { valid: false, queueId: r.queueId, ticketId: r.ticketId, expiresAt: r.expiresAt };
    return r;
  };

  return async (app) => {
    app.get(
      '/.well-known/jwks.json',
      {
        schema: {
          tags: ['waiting rooms'],
          summary: 'The public keys that sign passes',
          response: { 200: jwksSchema, ...errors(503) },
        },
      },
      async () => ctx.rooms.passes.jwks(),
    );

    app.post(
      '/api/tickets/:id/renew',
      {
        schema: {
          tags: ['waiting rooms'],
          summary: 'Extend an active session by the room’s session length',
          params: ticketParams,
          headers: tokenHeader,
          response: {
            200: ticketViewSchema.describe('The ticket with its new pass'),
            ...errors(400, 404, 409, 429, 503),
          },
        },
      },
      async (req) => {
        const t = await guesses.guard(req, () => ctx.service.ownTicket(req.params.id, req.headers['x-ticket-token']));
        const q = await ctx.service.queue(t.queueId);
        if (q.mode !== 'waiting_room') throw notFound('session');
        return ctx.service.viewOf(await ctx.rooms.session(t.id, 'renew', q));
      },
    );

    app.post(
      '/api/tickets/:id/end',
      {
        preHandler: requireRole(ctx.auth, ['admin', 'operator', 'site']),
        schema: {
          tags: ['waiting rooms'],
          security: [{ bearer: [] }],
          summary: 'End an active session early, freeing its place (an operator key, or the room’s site key)',
          params: ticketParams,
          response: {
            200: ticketViewSchema.describe('The ticket, its session ended'),
            ...errors(400, 401, 403, 404, 409, 503),
          },
        },
      },
      async (req) => {
        const t = await ctx.store.getTicket(req.params.id);
        const p = req.principal;
        // A site key learns nothing of other rooms' tickets, not even whether they exist.
        if (p?.role === 'site' && (p.queueId === null || t?.queueId !== p.queueId))
          throw new AppError('forbidden', 'a site key may only end the sessions of its own waiting room');
        if (!t) throw notFound('ticket');
        const q = await ctx.service.queue(t.queueId);
        return ctx.service.viewOf(await ctx.rooms.session(t.id, 'end', q));
      },
    );

    app.post(
      '/api/passes/verify',
      {
        schema: {
          tags: ['waiting rooms'],
          summary: 'Check a pass, for sites that cannot check a JWT themselves',
          body: z.object({ pass: z.string().min(1).max(4096) }).strict(),
          response: { 200: passCheckSchema, ...errors(400, 413, 415, 503) },
        },
      },
      async (req) => check(req.body.pass),
    );

    app.get(
      '/api/passes/verify',
      {
        schema: {
          tags: ['waiting rooms'],
          summary: 'Check a pass for a proxy’s sub-request (nginx `auth_request`): 204 to let in, 401 to send away',
          querystring: z.object({ queue: idSchema.describe('The room the site belongs to') }).strict(),
          headers: z.object({ 'x-queue-pass': z.string().max(4096).optional() }).passthrough(),
          response: { 204: noContent('A valid pass of this room, its session open'), ...errors(400, 401, 503) },
        },
      },
      async (req, reply) => {
        const pass = req.headers['x-queue-pass'];
        const r = pass ? await check(pass) : null;
        if (!r?.valid || r.queueId !== req.query.queue)
          throw new AppError('unauthorized', 'no valid pass for this waiting room');
        return reply.status(204).send();
      },
    );

    app.get(
      '/api/queues/:id/draw',
      {
        schema: {
          tags: ['waiting rooms'],
          summary: 'The random draw: its commitment before opening, its seed after',
          params: z.object({ id: idSchema }),
          response: { 200: drawSchema, ...errors(400, 404, 503) },
        },
      },
      async (req) => {
        const q = await ctx.service.queue(req.params.id);
        if (q.mode !== 'waiting_room') throw notFound('waiting room');
        return ctx.rooms.drawView(q);
      },
    );

    app.get(
      '/api/queues/:id/draw/entries',
      {
        schema: {
          tags: ['waiting rooms'],
          summary: 'The tickets a random draw ordered, in its order, so anyone can recompute it',
          params: z.object({ id: idSchema }),
          querystring: z
            .object({
              limit: z.coerce.number().int().min(1).max(5000).default(1000),
              cursor: z
                .string()
                .regex(/^\d{1,9}$/, 'must be a cursor from a previous page')
                .optional(),
            })
            .strict(),
          response: { 200: drawEntriesSchema, ...errors(400, 404, 503) },
        },
      },
      async (req) => {
        const q = await ctx.service.queue(req.params.id);
        if (q.mode !== 'waiting_room') throw notFound('waiting room');
        const after = req.query.cursor === undefined ? -1 : Number(req.query.cursor);
        const items = await ctx.store.waitingRooms.drawEntries(q.id, after, req.query.limit);
        const last = items.at(-1);
        return { items, nextCursor: items.length === req.query.limit && last ? String(last.rank) : null };
      },
    );
  };
}

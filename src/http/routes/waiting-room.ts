import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { notFound } from '../../errors/index.js';
import type { AppContext } from '../../runtime/context.js';
import { requireRole } from '../auth.js';
import type { GuessThrottle } from '../guess-throttle.js';
import { drawSchema, jwksSchema, passCheckSchema } from '../waiting-room-responses.js';
import { errors, ticketViewSchema } from '../responses.js';
import { idSchema } from '../schemas.js';

const tokenHeader = z.object({ 'x-ticket-token': z.string().max(128).optional() }).passthrough();
const ticketParams = z.object({ id: idSchema });

/** Waiting rooms: the pass keys, sessions, pass checks for sites, and the public draw. */
export function waitingRoomRoutes(ctx: AppContext, guesses: GuessThrottle): FastifyPluginAsyncZod {
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
        preHandler: requireRole(ctx.auth, ['admin', 'operator']),
        schema: {
          tags: ['waiting rooms'],
          security: [{ bearer: [] }],
          summary: 'End an active session early, freeing its place',
          params: ticketParams,
          response: {
            200: ticketViewSchema.describe('The ticket, its session ended'),
            ...errors(400, 401, 403, 404, 409, 503),
          },
        },
      },
      async (req) => {
        const t = await ctx.store.getTicket(req.params.id);
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
      async (req) => {
        const r = await ctx.rooms.passes.verify(req.body.pass);
        // A session ended early keeps a well-signed pass; only the room knows it no longer holds.
        if (r.valid && r.ticketId !== null && !(await ctx.rooms.isActive(r.ticketId)))
          return { valid: false, queueId: r.queueId, ticketId: r.ticketId, expiresAt: r.expiresAt };
        return r;
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
  };
}

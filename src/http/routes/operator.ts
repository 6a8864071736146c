import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { queueView } from '../../domain/views.js';
import type { AppContext } from '../../runtime/context.js';
import { requireRole } from '../auth.js';
import { errors, noContent, operatorTicketViewSchema, page, queueSchema } from '../responses.js';
import { counterBody, createQueueBody, idSchema, listTicketsQuery, patchQueueBody } from '../schemas.js';

const queueParams = z.object({ id: idSchema });

/** A call names its desk (none: null); a recall keeps the ticket's desk unless given another. */
function deskOf(action: string, counter: string | null | undefined): string | null | undefined {
  if (action === 'call') return counter ?? null;
  if (action === 'recall' && counter) return counter;
  return undefined;
}

/** Operator routes: queues and tickets, for admin and operator keys. */
export function operatorRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.addHook('preHandler', requireRole(ctx.auth, ['admin', 'operator']));
    const security = [{ bearer: [] }];

    app.post(
      '/api/queues',
      {
        schema: {
          tags: ['operators'],
          security,
          summary: 'Create a queue',
          body: createQueueBody,
          response: { 201: queueSchema, ...errors(400, 401, 403, 413, 415, 503) },
        },
      },
      async (req, reply) => {
        const q = await ctx.service.createQueue(req.body);
        return reply.status(201).send(queueView(q, ctx.now()));
      },
    );

    app.get(
      '/api/queues',
      {
        schema: {
          tags: ['operators'],
          security,
          summary: 'List queues',
          response: { 200: page(queueSchema, 'Every queue'), ...errors(401, 403, 503) },
        },
      },
      async () => ({
        items: (await ctx.service.listQueues()).map((q) => queueView(q, ctx.now())),
        nextCursor: null,
      }),
    );

    app.patch(
      '/api/queues/:id',
      {
        schema: {
          tags: ['operators'],
          security,
          summary: 'Rename, pause, resume, close or re-tune a queue',
          params: queueParams,
          body: patchQueueBody,
          response: { 200: queueSchema, ...errors(400, 401, 403, 404, 409, 413, 415, 503) },
        },
      },
      async (req) => queueView(await ctx.service.updateQueue(req.params.id, req.body), ctx.now()),
    );

    app.delete(
      '/api/queues/:id',
      {
        schema: {
          tags: ['operators'],
          security,
          summary: 'Delete a queue and its tickets',
          params: queueParams,
          response: { 204: noContent('Deleted'), ...errors(400, 401, 403, 404, 503) },
        },
      },
      async (req, reply) => {
        await ctx.service.deleteQueue(req.params.id);
        // Ends the event streams of the queue's tickets on every node.
        ctx.events.publish(req.params.id);
        return reply.status(204).send();
      },
    );

    app.get(
      '/api/queues/:id/tickets',
      {
        schema: {
          tags: ['operators'],
          security,
          summary: 'List a queue’s tickets in calling order',
          params: queueParams,
          querystring: listTicketsQuery,
          response: {
            200: page(operatorTicketViewSchema, 'A page of tickets in calling order'),
            ...errors(400, 401, 403, 404, 503),
          },
        },
      },
      async (req) =>
        ctx.service.listTickets(req.params.id, {
          limit: req.query.limit,
          ...(req.query.status ? { status: req.query.status } : {}),
          ...(req.query.cursor ? { cursor: req.query.cursor } : {}),
        }),
    );

    app.post(
      '/api/queues/:id/call-next',
      {
        schema: {
          tags: ['operators'],
          security,
          summary: 'Call (or admit) the next ticket',
          params: queueParams,
          body: counterBody,
          response: {
            200: operatorTicketViewSchema.describe('The called (or admitted) ticket'),
            204: noContent('Nobody is waiting'),
            ...errors(400, 401, 403, 404, 409, 413, 415, 503),
          },
        },
      },
      async (req, reply) => {
        const t = await ctx.service.callNext(req.params.id, req.body?.counter ?? null);
        return t ? t : reply.status(204).send();
      },
    );

    const ticketParams = z.object({ id: idSchema });
    const act = (path: string, action: 'serve' | 'noShow' | 'requeue' | 'recall' | 'call', summary: string) =>
      app.post(
        path,
        {
          schema: {
            tags: ['operators'],
            security,
            summary,
            params: ticketParams,
            body: counterBody,
            response: { 200: operatorTicketViewSchema, ...errors(400, 401, 403, 404, 409, 413, 415, 503) },
          },
        },
        async (req) => ctx.service.act(req.params.id, action, deskOf(action, req.body?.counter)),
      );
    act('/api/tickets/:id/serve', 'serve', 'Mark a called ticket served');
    act('/api/tickets/:id/no-show', 'noShow', 'Mark a called ticket as a no-show');
    act('/api/tickets/:id/requeue', 'requeue', 'Put a called or no-show ticket back at the end of the line');
    act('/api/tickets/:id/call', 'call', 'Call a waiting ticket out of order');
    act(
      '/api/tickets/:id/recall',
      'recall',
      'Announce a called ticket again (to a new desk when `counter` is given); 409 unless it is called',
    );
  };
}

import type { OutgoingHttpHeaders } from 'node:http';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Queue } from '../../domain/types.js';
import type { AppContext } from '../../runtime/context.js';
import { requireRole } from '../auth.js';
import { BOARD_SIZE, boardView } from '../pages/views.js';
import { QueueFeed } from '../queue-feed.js';
import { boardSchema, errors } from '../responses.js';
import { idSchema } from '../schemas.js';
import { startSse } from '../sse.js';

/** At most one change note per queue in this span: the console reads the queue again on each. */
const NOTE_EVERY_MS = 250;
/** A board whose queue is gone stops asking for an hour. */
const END_RETRY_MS = 3_600_000;

/** Every write of a queue or of one of its tickets moves the queue row's `updatedAt` or its count. */
const stamp = (q: Queue): string => `${q.updatedAt.getTime()}|${q.waitingCount}|${q.status}`;

/** The display board's public data: the public queue view and the most recently called tickets. */
export async function loadBoard(ctx: AppContext, queueId: string) {
  const q = await ctx.service.queue(queueId);
  return boardView(q, await ctx.store.nowServing(q.id, BOARD_SIZE), ctx.now());
}

/** Queue-wide event streams (docs/live-updates.md): the operators' change stream and the public board. */
export function queueStreamRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  const boards = new QueueFeed(
    ctx.events,
    (queueId) => loadBoard(ctx, queueId),
    (e) => ctx.logger.warn({ err: e }, 'board update failed'),
  );
  return async (app) => {
    app.get(
      '/api/queues/:id/changes',
      {
        preHandler: requireRole(ctx.auth, ['admin', 'operator']),
        schema: {
          tags: ['operators'],
          security: [{ bearer: [] }],
          summary:
            'Server-Sent Events for operators: a `changed` event whenever the queue or its tickets change (read with fetch, the key in the Authorization header)',
          params: z.object({ id: idSchema }),
          produces: ['text/event-stream'],
          response: {
            200: z
              .object({})
              .describe('A stream of `changed` events (data `{}`): read the queue and its tickets again'),
            ...errors(400, 401, 403, 404, 503),
          },
        },
      },
      async (req, reply) => {
        let shown: string | null = stamp(await ctx.service.queue(req.params.id));
        reply.hijack();
        const sse = startSse(reply.raw, {});
        let pending: NodeJS.Timeout | null = null;
        const note = (): void => {
          if (pending) return;
          pending = setTimeout(() => {
            pending = null;
            sse.send('changed', {});
          }, NOTE_EVERY_MS);
        };
        sse.send('changed', {});
        // The periodic pass and the catch-up after subscribing hear nothing: they note a change
        // only when the queue row moved (a message lost on the way), so an idle queue stays quiet.
        const stop = ctx.events.follow(req.params.id, (pass) => {
          const now = pass.queue ? stamp(pass.queue) : null;
          if (!pass.heard && now === shown) return;
          shown = now;
          note();
        });
        reply.raw.on('close', () => {
          if (pending) clearTimeout(pending);
          stop();
        });
      },
    );

    app.get(
      '/api/queues/:queueId/board/events',
      {
        schema: {
          tags: ['customers'],
          summary: 'Server-Sent Events for a display board: the board at once, then again after every change',
          params: z.object({ queueId: idSchema }),
          produces: ['text/event-stream'],
          response: {
            200: boardSchema.describe(
              'A stream of `board` events whose data is the board; an `end` event (`{"reason":"deleted"}`) when the queue is deleted',
            ),
            ...errors(400, 404, 503),
          },
        },
      },
      async (req, reply) => {
        const first = await loadBoard(ctx, req.params.queueId);
        reply.hijack();
        const sse = startSse(reply.raw, reply.getHeaders() as OutgoingHttpHeaders);
        sse.send('board', first);
        const stop = boards.add(first.id, (board) => {
          if (board) sse.send('board', board);
          else sse.end('end', { reason: 'deleted' }, END_RETRY_MS);
        });
        reply.raw.on('close', stop);
      },
    );
  };
}

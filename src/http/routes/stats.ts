import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { queueStats, statsCsv } from '../../domain/stats.js';
import type { AppContext } from '../../runtime/context.js';
import { requireRole } from '../auth.js';
import { errors } from '../responses.js';
import { queueStatsSchema } from '../stats-responses.js';
import { idSchema } from '../schemas.js';

const params = z.object({ id: idSchema });
const instant = z.iso.datetime({ offset: true }).transform((s) => new Date(s));
const spanQuery = z
  .object({
    from: instant.optional().describe('Start of the report (default: a day before `to`)'),
    to: instant.optional().describe('End of the report, excluded (default: now)'),
  })
  .strict();

const span = (q: { from?: Date | undefined; to?: Date | undefined }) => ({
  ...(q.from ? { from: q.from } : {}),
  ...(q.to ? { to: q.to } : {}),
});

/** Reports on a queue: counts, waits, service times and how well the estimates held (docs/estimates.md). */
export function statsRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.addHook('preHandler', requireRole(ctx.auth, ['admin', 'operator']));
    const security = [{ bearer: [] }];

    app.get(
      '/api/queues/:id/stats',
      {
        schema: {
          tags: ['operators'],
          security,
          summary: 'A queue’s report over a time range',
          params,
          querystring: spanQuery,
          response: { 200: queueStatsSchema, ...errors(400, 401, 403, 404, 503) },
        },
      },
      async (req) => {
        const r = await ctx.service.reportFacts(req.params.id, span(req.query));
        return queueStats(r.facts, r.from, r.to);
      },
    );

    app.get(
      '/api/queues/:id/stats.csv',
      {
        schema: {
          tags: ['operators'],
          security,
          summary: 'The same report per hour, as CSV',
          params,
          querystring: spanQuery,
          produces: ['text/csv'],
          response: { 200: z.string().describe('One line per hour (UTC)'), ...errors(400, 401, 403, 404, 503) },
        },
      },
      async (req, reply) => {
        const r = await ctx.service.reportFacts(req.params.id, span(req.query));
        return reply.header('content-type', 'text/csv; charset=utf-8').send(statsCsv(r.facts, r.from, r.to));
      },
    );
  };
}

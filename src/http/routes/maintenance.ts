import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError, notFound } from '../../errors/index.js';
import { renderHtml } from '../../maintenance/report/index.js';
import type { AppContext } from '../../runtime/context.js';
import { requireRole } from '../auth.js';
import { runDocumentSchema, scheduleEntrySchema } from '../admin-responses.js';
import { errors, idResponse, page } from '../responses.js';
import { idSchema } from '../schemas.js';

const name = z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/, 'must be a plan or step name');

/** Maintenance: admin only. Runs are started here and stored as result documents. */
export function maintenanceRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.addHook('preHandler', requireRole(ctx.auth, ['admin']));
    const security = [{ bearer: [] }];

    app.get(
      '/api/maintenance/schedule',
      {
        schema: {
          tags: ['maintenance'],
          security,
          summary: 'Plans with their next and last runs',
          response: { 200: page(scheduleEntrySchema, 'Every plan; all on one page'), ...errors(401, 403, 503) },
        },
      },
      async () => ({
        items: await ctx.maintenance.schedule(),
        nextCursor: null,
      }),
    );

    app.post(
      '/api/maintenance/runs',
      {
        schema: {
          tags: ['maintenance'],
          security,
          summary: 'Start a plan or a single step now',
          body: z
            .object({ plan: name.optional(), step: name.optional() })
            .strict()
            .refine((b) => (b.plan === undefined) !== (b.step === undefined), 'give either plan or step, not both'),
          response: { 202: idResponse, ...errors(400, 401, 403, 404, 409, 413, 415, 503) },
        },
      },
      async (req, reply) => {
        const id = await ctx.maintenance.runNow((req.body.plan ?? req.body.step) as string, 'manual');
        return reply.status(202).header('Location', `/api/maintenance/runs/${id}`).send({ id });
      },
    );

    app.get(
      '/api/maintenance/runs',
      {
        schema: {
          tags: ['maintenance'],
          security,
          summary: 'Run history, newest first',
          querystring: z
            .object({
              plan: name.optional(),
              limit: z.coerce.number().int().min(1).max(200).default(20),
              cursor: z.string().max(500).optional(),
            })
            .strict(),
          response: {
            200: page(runDocumentSchema, 'A page of result documents, newest first'),
            ...errors(400, 401, 403, 503),
          },
        },
      },
      async (req) =>
        ctx.store.maintenance.listRuns({
          limit: req.query.limit,
          ...(req.query.plan ? { plan: req.query.plan } : {}),
          ...(req.query.cursor ? { cursor: req.query.cursor } : {}),
        }),
    );

    app.get(
      '/api/maintenance/runs/:id',
      {
        schema: {
          tags: ['maintenance'],
          security,
          summary: 'One run’s result document',
          params: z.object({ id: idSchema }),
          response: { 200: runDocumentSchema, ...errors(400, 401, 403, 404, 503) },
        },
      },
      async (req) => {
        const run = await ctx.maintenance.getRun(req.params.id);
        if (!run) throw notFound('run');
        return run;
      },
    );

    app.get(
      '/api/maintenance/runs/:id/report',
      {
        schema: {
          tags: ['maintenance'],
          security,
          summary: 'One run as a readable HTML report',
          params: z.object({ id: idSchema }),
          produces: ['text/html'],
          response: { 200: z.string().describe('An HTML page'), ...errors(400, 401, 403, 404, 503) },
        },
      },
      async (req, reply) => {
        const run = await ctx.maintenance.getRun(req.params.id);
        if (!run) throw notFound('run');
        return reply.header('content-type', 'text/html; charset=utf-8').send(renderHtml(run));
      },
    );

    app.get(
      '/api/maintenance/runs/:id/wait',
      {
        schema: {
          tags: ['maintenance'],
          security,
          summary: 'Waits (up to `timeoutSeconds`) for a run to end',
          params: z.object({ id: idSchema }),
          querystring: z.object({ timeoutSeconds: z.coerce.number().min(1).max(600).default(60) }).strict(),
          response: {
            200: runDocumentSchema.describe('The ended run, or the running one when the time is up'),
            ...errors(400, 401, 403, 404, 503),
          },
        },
      },
      async (req) => {
        const run = await ctx.maintenance.getRun(req.params.id);
        if (!run) throw notFound('run');
        try {
          return await ctx.maintenance.waitFor(req.params.id, req.query.timeoutSeconds * 1000);
        } catch (e) {
          if (e instanceof AppError) throw e;
          return (await ctx.maintenance.getRun(req.params.id)) ?? run;
        }
      },
    );
  };
}

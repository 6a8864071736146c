import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { BackupJobs, describeBackup, listBackups, verifyBackup } from '../../backup/index.js';
import { notFound } from '../../errors/index.js';
import type { AppContext } from '../../runtime/context.js';
import { requireRole } from '../auth.js';
import { backupItemSchema, backupStateSchema, verificationSchema } from '../admin-responses.js';
import { errors, idResponse, page } from '../responses.js';
import { idSchema } from '../schemas.js';

/**
 * Backups (docs/backups.md), admin only. Creation takes as long as the dump, so `POST` answers
 * 202 with the id and the work goes on in this process; `GET /api/backups/:id` follows it.
 * Verification restores the backup into scratch and answers when it is done.
 */
export function backupRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  const jobs = new BackupJobs({ config: ctx.config, store: ctx.store, live: ctx.live }, (id, e) =>
    ctx.logger.error({ err: e, backupId: id }, 'backup failed'),
  );
  return async (app) => {
    app.addHook('preHandler', requireRole(ctx.auth, ['admin']));
    const security = [{ bearer: [] }];
    const tags = ['backups'];

    app.get(
      '/api/backups',
      {
        schema: {
          tags,
          security,
          summary: 'Backups, newest first, with their last verification',
          querystring: z
            .object({ limit: z.coerce.number().int().min(1).max(200).default(50), cursor: idSchema.optional() })
            .strict(),
          response: { 200: page(backupItemSchema, 'A page of backups, newest first'), ...errors(400, 401, 403) },
        },
      },
      async (req) =>
        listBackups(ctx.config, { limit: req.query.limit, ...(req.query.cursor ? { cursor: req.query.cursor } : {}) }),
    );

    app.post(
      '/api/backups',
      {
        schema: {
          tags,
          security,
          summary: 'Start a backup (database, live state, configuration); answers 202 with its id',
          response: { 202: idResponse, ...errors(401, 403) },
        },
      },
      async (_req, reply) => {
        const id = jobs.start();
        return reply.status(202).header('Location', `/api/backups/${id}`).send({ id });
      },
    );

    app.get(
      '/api/backups/:id',
      {
        schema: {
          tags,
          security,
          summary: 'One backup, or the state of one being created',
          params: z.object({ id: idSchema }),
          response: { 200: backupStateSchema, ...errors(400, 401, 403, 404) },
        },
      },
      async (req) => {
        const job = jobs.get(req.params.id);
        if (job && job.state !== 'complete') return job;
        const item = await describeBackup(ctx.config, req.params.id, new Date());
        if (!item) throw notFound('backup');
        return { state: 'complete' as const, ...item };
      },
    );

    app.post(
      '/api/backups/:id/verify',
      {
        schema: {
          tags,
          security,
          summary: 'Verify a backup by restoring it into a scratch database',
          params: z.object({ id: idSchema }),
          response: { 200: verificationSchema, ...errors(400, 401, 403, 404, 409, 503) },
        },
      },
      async (req) => verifyBackup(ctx.config, req.params.id),
    );
  };
}

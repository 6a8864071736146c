import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { issueApiKey } from '../../domain/keys.js';
import { KEY_ROLES, type ApiKey } from '../../domain/types.js';
import { notFound } from '../../errors/index.js';
import type { AppContext } from '../../runtime/context.js';
import { requireRole } from '../auth.js';
import { keySchema, newKeySchema } from '../admin-responses.js';
import { errors, noContent, page } from '../responses.js';
import { idSchema } from '../schemas.js';

const keyView = (k: ApiKey) => ({
  id: k.id,
  role: k.role,
  name: k.name,
  queueId: k.queueId,
  createdAt: k.createdAt.toISOString(),
  lastUsedAt: k.lastUsedAt?.toISOString() ?? null,
});

/** API keys: admin only. The key itself is shown once, at creation. */
export function keyRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.addHook('preHandler', requireRole(ctx.auth, ['admin']));
    const security = [{ bearer: [] }];
    app.post(
      '/api/keys',
      {
        schema: {
          tags: ['admin'],
          security,
          summary: 'Create an API key',
          body: z
            .object({
              role: z.enum(KEY_ROLES),
              name: z.string().min(1).max(200),
              queueId: idSchema.optional().describe('The waiting room a `site` key belongs to (site keys only)'),
            })
            .strict(),
          response: { 201: newKeySchema, ...errors(400, 401, 403, 413, 415, 503) },
        },
      },
      async (req, reply) => {
        const { record, key } = await issueApiKey(ctx.store, req.body, new Date());
        return reply.status(201).send({ ...keyView(record), key });
      },
    );
    app.get(
      '/api/keys',
      {
        schema: {
          tags: ['admin'],
          security,
          summary: 'List API keys',
          response: { 200: page(keySchema, 'Every API key, without the keys themselves'), ...errors(401, 403, 503) },
        },
      },
      async () => ({
        items: (await ctx.store.listKeys()).map(keyView),
        nextCursor: null,
      }),
    );
    app.delete(
      '/api/keys/:id',
      {
        schema: {
          tags: ['admin'],
          security,
          summary: 'Revoke an API key',
          params: z.object({ id: idSchema }),
          response: { 204: noContent('Revoked'), ...errors(400, 401, 403, 404, 503) },
        },
      },
      async (req, reply) => {
        if (!(await ctx.store.deleteKey(req.params.id))) throw notFound('key');
        ctx.auth.forget();
        return reply.status(204).send();
      },
    );
  };
}

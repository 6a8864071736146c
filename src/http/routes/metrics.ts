import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { AppContext } from '../../runtime/context.js';
import { requireRole } from '../auth.js';

/**
 * How long one rendering serves every scraper. Rendering reads every queue and formats every
 * series (thousands with thousands of queues); scrapers asking more often than this would take
 * that time from the hot paths.
 */
const CACHE_MS = 5_000;

/** Prometheus metrics: an admin or operator key, or the scrape token (`QK_METRICS_TOKEN`). */
export function metricsRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  return async (app) => {
    let cached: { body: string; until: number } | null = null;
    let rendering: Promise<string> | null = null;

    const render = async (): Promise<string> => {
      const queues = await ctx.store.listQueues().catch(() => null);
      // Without the queue list, the last known depths are kept rather than dropped.
      if (queues !== null) await ctx.metrics.syncQueues(queues);
      return ctx.metrics.registry.metrics();
    };

    /** Concurrent scrapes share one rendering. */
    const current = async (): Promise<string> => {
      if (cached && cached.until > Date.now()) return cached.body;
      rendering ??= render()
        .then((body) => {
          cached = { body, until: Date.now() + CACHE_MS };
          return body;
        })
        .finally(() => {
          rendering = null;
        });
      return rendering;
    };

    app.get(
      '/metrics',
      {
        schema: { tags: ['health'], summary: 'Prometheus metrics', security: [{ bearer: [] }] },
        preHandler: requireRole(ctx.auth, ['admin', 'operator'], ctx.config.http.metricsToken),
      },
      async (_req, reply) =>
        reply
          .header('content-type', ctx.metrics.registry.contentType)
          .header('cache-control', 'no-store')
          .send(await current()),
    );
  };
}

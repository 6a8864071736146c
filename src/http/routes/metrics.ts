import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../runtime/context.js';
import { errors } from '../responses.js';
import { requireRole } from '../auth.js';

/**
 * How long one rendering serves every scraper. Rendering reads every queue and formats every
 * series (thousands with thousands of queues); scrapers asking more often than this would take
 * that time from the hot paths.
 */
const CACHE_MS = 5_000;

const gzipAsync = promisify(gzip);

interface Rendering {
  readonly text: string;
  /** Compressed once, on the first scrape that asks for it, off the event loop. */
  gzipped: Promise<Buffer> | null;
  readonly until: number;
}

/** Prometheus metrics: an admin or operator key, or the scrape token (`QK_METRICS_TOKEN`). */
export function metricsRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  return async (app) => {
    let cached: Rendering | null = null;
    let rendering: Promise<Rendering> | null = null;

    const render = async (): Promise<Rendering> => {
      const queues = await ctx.store.listQueues().catch(() => null);
      // Without the queue list, the last known depths are kept rather than dropped.
      if (queues !== null) await ctx.metrics.syncQueues(queues);
      return { text: await ctx.metrics.registry.metrics(), gzipped: null, until: Date.now() + CACHE_MS };
    };

    /** Concurrent scrapes share one rendering. */
    const current = async (): Promise<Rendering> => {
      if (cached && cached.until > Date.now()) return cached;
      rendering ??= render()
        .then((r) => (cached = r))
        .finally(() => {
          rendering = null;
        });
      return rendering;
    };

    app.get(
      '/metrics',
      {
        schema: {
          tags: ['health'],
          summary: 'Prometheus metrics',
          security: [{ bearer: [] }],
          produces: ['text/plain'],
          response: { 200: z.string().describe('Prometheus text format'), ...errors(401, 403) },
        },
        preHandler: requireRole(ctx.auth, ['admin', 'operator'], ctx.config.http.metrics.token),
      },
      async (req, reply) => {
        const r = await current();
        void reply
          .header('content-type', ctx.metrics.registry.contentType)
          .header('cache-control', 'no-store')
          .header('vary', 'accept-encoding');
        // Prometheus asks for gzip; with thousands of queues it sends a tenth of the bytes.
        if (!/\bgzip\b/.test(req.headers['accept-encoding'] ?? '')) return reply.send(r.text);
        r.gzipped ??= gzipAsync(r.text);
        // The schema describes the text; Fastify sends a Buffer as it is, without serializing it.
        const body = (await r.gzipped) as unknown as string;
        return reply.header('content-encoding', 'gzip').send(body);
      },
    );
  };
}

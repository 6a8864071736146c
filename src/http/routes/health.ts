import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { AppContext } from '../../runtime/context.js';

const TIMEOUT_MS = 1000;

/** Liveness and readiness: no key. */
export function healthRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.get('/health/live', { schema: { tags: ['health'], summary: 'The process is running' } }, async () => ({
      status: 'ok',
    }));

    app.get(
      '/health/ready',
      { schema: { tags: ['health'], summary: 'The database and Redis answer' } },
      async (_req, reply) => {
        const checks: Record<
          string,
          { status: 'ok' | 'failed' | 'not_configured'; latencyMs?: number; error?: string }
        > = {};
        const probe = async (name: string, fn: () => Promise<number>) => {
          try {
            checks[name] = { status: 'ok', latencyMs: Math.round((await fn()) * 100) / 100 };
          } catch (e) {
            checks[name] = { status: 'failed', error: e instanceof Error ? e.message : String(e) };
          }
        };
        await Promise.all([
          probe('database', () => ctx.store.ping(TIMEOUT_MS)),
          ctx.live.kind === 'redis'
            ? probe('redis', () => ctx.live.ping(TIMEOUT_MS))
            : Promise.resolve((checks.redis = { status: 'not_configured' })),
        ]);
        const failed = Object.entries(checks)
          .filter(([, c]) => c.status === 'failed')
          .map(([n]) => n);
        if (failed.length > 0) void reply.status(503).header('Retry-After', '2');
        return { status: failed.length > 0 ? 'unavailable' : 'ok', failed, checks };
      },
    );
  };
}

import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../runtime/context.js';
import { readinessSchema } from '../admin-responses.js';

/** Each dependency's own deadline: readiness answers within it even when a dependency is silent. */
const TIMEOUT_MS = 1000;

/** "redis is unavailable; retry shortly: no answer within 1000 ms": what failed, then why. */
const reason = (e: unknown): string => {
  if (!(e instanceof Error)) return String(e);
  return e.cause instanceof Error ? `${e.message}: ${e.cause.message}` : e.message;
};

/** Liveness and readiness: no key. */
export function healthRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/health/live',
      {
        schema: {
          tags: ['health'],
          summary: 'The process is running',
          response: { 200: z.object({ status: z.enum(['ok']) }).describe('Alive') },
        },
      },
      async () => ({ status: 'ok' as const }),
    );

    app.get(
      '/health/ready',
      {
        schema: {
          tags: ['health'],
          summary: 'The database and Redis answer',
          response: {
            200: readinessSchema.describe('Ready: every dependency answered'),
            503: readinessSchema.describe('A dependency did not answer (`failed` names it); retry after `Retry-After`'),
          },
        },
      },
      async (_req, reply) => {
        const checks: Record<
          string,
          { status: 'ok' | 'failed' | 'not_configured'; latencyMs?: number; error?: string }
        > = {};
        const probe = async (name: string, fn: () => Promise<number>) => {
          try {
            checks[name] = { status: 'ok', latencyMs: Math.round((await fn()) * 100) / 100 };
          } catch (e) {
            checks[name] = { status: 'failed', error: reason(e) };
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

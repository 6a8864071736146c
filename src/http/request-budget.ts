import type { FastifyInstance, RouteHandlerMethod } from 'fastify';
import { budgetSpent } from '../errors/index.js';

/** Routes that hold a request open on purpose: the event streams and the CLI's long poll. */
const OPEN_ENDED = new Set([
  '/api/tickets/:ticketId/events',
  '/api/queues/:id/changes',
  '/api/queues/:queueId/board/events',
  '/api/maintenance/runs/:id/wait',
]);

const readsOnly = (method: string | readonly string[]): boolean =>
  (typeof method === 'string' ? [method] : method).every((m) => m === 'GET' || m === 'HEAD');

/**
 * Bounds reading routes by the request's time budget (QK_REQUEST_BUDGET_MS, counted from its
 * arrival): one still waiting on its dependencies then is answered 503 `unavailable` with
 * Retry-After, whatever its calls' own deadlines. Routes that may write are left to answer: a
 * write that committed must never be answered as failed, and each of their calls has its own
 * deadline. No per-call bookkeeping: the budget costs the hot paths one timer per read.
 */
export function applyRequestBudget(app: FastifyInstance, budgetMs: number): void {
  app.addHook('onRoute', (route) => {
    if (OPEN_ENDED.has(route.url) || !readsOnly(route.method)) return;
    const handler = route.handler as (...args: Parameters<RouteHandlerMethod>) => unknown;
    route.handler = function (this: FastifyInstance, req, reply) {
      const work = handler.call(this, req, reply);
      // A handler that answers through `reply` itself (static files, hijacked streams) is left alone.
      if (!(work instanceof Promise)) return work;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => (reply.sent ? undefined : reject(budgetSpent())),
          Math.max(0, budgetMs - reply.elapsedTime),
        );
        work.then(
          (v) => {
            clearTimeout(timer);
            resolve(v);
          },
          (e: unknown) => {
            clearTimeout(timer);
            reject(e);
          },
        );
      });
    };
  });
}

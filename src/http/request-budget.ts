import type { FastifyInstance, RouteHandlerMethod } from 'fastify';
import { budgetSpent } from '../errors/index.js';
import { Budget, withBudget } from '../resilience/budget.js';

/** Routes that hold a request open on purpose: an event stream and the CLI's long poll. */
const OPEN_ENDED = new Set(['/api/tickets/:ticketId/events', '/api/maintenance/runs/:id/wait']);

/**
 * Gives every route's handler the request's time budget (QK_REQUEST_BUDGET_MS, counted from the
 * request's arrival). When it runs out while the handler still waits and nothing it did may have
 * written, the answer is 503 `unavailable` with Retry-After at once, and the handler's later calls
 * fail without starting. A handler with a write under way or done is left to answer: its calls
 * each have their own deadline, and a write that committed is never answered as failed.
 */
export function applyRequestBudget(app: FastifyInstance, budgetMs: number): void {
  app.addHook('onRoute', (route) => {
    if (OPEN_ENDED.has(route.url)) return;
    const handler = route.handler as (...args: Parameters<RouteHandlerMethod>) => unknown;
    route.handler = function (this: FastifyInstance, req, reply) {
      const budget = new Budget(Date.now() - reply.elapsedTime + budgetMs);
      const work = Promise.resolve(withBudget(budget, () => handler.call(this, req, reply)));
      return new Promise((resolve, reject) => {
        let timer: NodeJS.Timeout | undefined;
        const expire = () => {
          if (!budget.refusable) {
            timer = undefined;
            return;
          }
          budget.abandon();
          reject(budgetSpent());
        };
        timer = setTimeout(expire, Math.max(0, budget.deadline - Date.now()));
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

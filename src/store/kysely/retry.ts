import { budgetSpent, isAppError, unavailable } from '../../errors/index.js';
import { BudgetSpent, currentBudget } from '../../resilience/budget.js';
import { retry, type RetryPolicy } from '../../resilience/index.js';
import type { DialectParts } from './dialect.js';

/**
 * Makes the runner of every store call: transient database errors (serialization failures,
 * deadlocks, busy) are retried with backoff; "cannot reach the database", a missed deadline, and
 * a transient error that outlasts its retries become a coded `unavailable` (503 with Retry-After).
 * Other errors pass through untouched: a bad request is never retried.
 */
export type Runner = <T>(fn: () => Promise<T>, mayWrite?: boolean) => Promise<T>;

/**
 * Inside a request, a call runs under the request's budget (src/resilience/budget.ts): none starts
 * once the budget is spent by a request that changed nothing, and one that may write keeps the
 * request from being refused for its budget until it settled.
 */
export function retrying(d: Pick<DialectParts, 'isTransient' | 'isUnavailable'>): Runner {
  const policy: RetryPolicy = {
    attempts: 4,
    baseMs: 30,
    maxMs: 250,
    retryable: (e) => !isAppError(e) && !d.isUnavailable(e) && d.isTransient(e),
  };
  const coded = (e: unknown): never => {
    if (e instanceof BudgetSpent) throw budgetSpent(e);
    if (!isAppError(e) && (d.isUnavailable(e) || d.isTransient(e))) throw unavailable('database', e);
    throw e;
  };
  return (fn, mayWrite = true) => {
    const budget = currentBudget();
    if (budget === undefined) return retry(fn, policy).catch(coded);
    if (mayWrite) return budget.writes(() => retry(fn, policy)).catch(coded);
    try {
      budget.check();
    } catch (e) {
      return Promise.reject(budgetSpent(e));
    }
    return retry(fn, policy).catch(coded);
  };
}

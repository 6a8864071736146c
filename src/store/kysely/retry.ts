import { isAppError, unavailable } from '../../errors/index.js';
import { retry, type RetryPolicy } from '../../resilience/index.js';
import type { DialectParts } from './dialect.js';

/**
 * Makes the runner of every store call: transient database errors (serialization failures,
 * deadlocks, busy) are retried with backoff; "cannot reach the database", a missed deadline, and
 * a transient error that outlasts its retries become a coded `unavailable` (503 with Retry-After).
 * Other errors pass through untouched: a bad request is never retried.
 */
export function retrying(
  d: Pick<DialectParts, 'isTransient' | 'isUnavailable'>,
): <T>(fn: () => Promise<T>) => Promise<T> {
  const policy: RetryPolicy = {
    attempts: 4,
    baseMs: 30,
    maxMs: 250,
    retryable: (e) => !isAppError(e) && !d.isUnavailable(e) && d.isTransient(e),
  };
  const coded = (e: unknown): never => {
    if (!isAppError(e) && (d.isUnavailable(e) || d.isTransient(e))) throw unavailable('database', e);
    throw e;
  };
  return (fn) => retry(fn, policy).catch(coded);
}

import { isAppError, unavailable } from '../../errors/index.js';
import type { DialectParts } from './dialect.js';

const ATTEMPTS = 4;
const BASE_MS = 15;

/**
 * Retries transient database errors (serialization failures, deadlocks, busy) with exponential
 * backoff and full jitter; turns "cannot reach the database" into a coded `unavailable`. Other
 * errors pass through untouched: a bad request is never retried.
 */
export async function withRetry<T>(
  fn: () => Promise<T>,
  d: Pick<DialectParts, 'isTransient' | 'isUnavailable'>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      if (isAppError(e)) throw e;
      if (d.isUnavailable(e)) throw unavailable('database', e);
      if (!d.isTransient(e) || attempt >= ATTEMPTS) throw e;
      await new Promise((r) => setTimeout(r, Math.random() * BASE_MS * 2 ** attempt));
    }
  }
}

import timers from 'node:timers/promises';

// Looked up at each call, not bound at import, so that tests that mock timers (`mock.timers`) move these too.
const sleep: typeof timers.setTimeout = (ms, value, opts) => timers.setTimeout(ms, value, opts);

/**
 * The two ways the product waits for something that may not come: a deadline for one call and
 * retries with backoff for errors that are worth another try. Neutral: no product import, so the
 * store, the live backends and the maintenance engine share them.
 */

export interface Backoff {
  /** Delay ceiling of the first retry; it doubles with each attempt. */
  readonly baseMs: number;
  /** Largest ceiling, however many attempts came before. */
  readonly maxMs: number;
}

/**
 * The delay before retry number `attempt` (0 for the first): exponential, capped, and half of it
 * random, so many nodes retrying one server do not knock in step while none retries at once.
 */
export function backoffMs(attempt: number, b: Backoff): number {
  const ceiling = Math.min(b.maxMs, b.baseMs * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
}

export interface RetryPolicy extends Backoff {
  /** Calls in all, the first included. */
  readonly attempts: number;
  /** Whether an error is transient. A bad request never is: decide by error code, not message. */
  readonly retryable: (e: unknown) => boolean;
}

/** Runs `fn`, again after a backoff while it fails with a retryable error, at most `attempts` times. */
export async function retry<T>(fn: () => Promise<T>, p: RetryPolicy, signal?: AbortSignal): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      if (attempt >= p.attempts || !p.retryable(e)) throw e;
      await sleep(backoffMs(attempt - 1, p), undefined, signal ? { signal } : undefined);
    }
  }
}

/** What `within` rejects with when the deadline passes first. */
export class DeadlineExceeded extends Error {
  constructor(readonly ms: number) {
    super(`no answer within ${ms} ms`);
    this.name = 'DeadlineExceeded';
  }
}

/**
 * Settles like `work`, or rejects once `ms` have passed (with `DeadlineExceeded`) or `signal`
 * aborts (with its reason), whichever comes first; the timer ends with the work. The work itself
 * is not stopped: hand a signal to calls that accept one, and use this for those that do not.
 */
export async function within<T>(work: Promise<T>, ms: number, signal?: AbortSignal): Promise<T> {
  const done = new AbortController();
  const expired = sleep(ms, undefined, { signal: signal ? AbortSignal.any([done.signal, signal]) : done.signal }).then(
    () => Promise.reject(new DeadlineExceeded(ms)),
    () => (done.signal.aborted ? new Promise<never>(() => undefined) : Promise.reject(signal?.reason as unknown)),
  );
  try {
    return await Promise.race([work, expired]);
  } finally {
    done.abort();
  }
}

/** Resolves true once `promise` settles (either way), false when `ms` pass first: a wait that gives up quietly. */
export async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  const settled = promise.then(
    () => true,
    () => true,
  );
  return within(settled, ms).catch(() => false);
}

/** Waits `ms`; resolves true then, or false as soon as `signal` aborts. */
export async function pause(ms: number, signal?: AbortSignal): Promise<boolean> {
  return sleep(ms, undefined, signal ? { signal } : undefined).then(
    () => true,
    () => false,
  );
}

import { Redis, type RedisOptions } from 'ioredis';
import { isAppError, unavailable } from '../../errors/index.js';
import { backoffMs, retry, within, type RetryPolicy } from '../../resilience/index.js';

export interface RedisLogger {
  warn(obj: object, msg: string): void;
}

/**
 * Server replies that mean "not now" rather than "wrong request", by their error code (the reply's
 * first word). Redis refused the command without running it, so another try is safe.
 */
const TRANSIENT_REPLY = /^(LOADING|BUSY|MASTERDOWN|TRYAGAIN|CLUSTERDOWN|READONLY|OOM|NOREPLICAS)\b/;

const isTransientReply = (e: unknown): boolean =>
  e instanceof Error && e.name === 'ReplyError' && TRANSIENT_REPLY.test(e.message);

/** A few quick tries at a transient reply; never at a timeout or a lost link (the command may have run). */
const REPLY_RETRY: RetryPolicy = { attempts: 3, baseMs: 50, maxMs: 200, retryable: isTransientReply };

/**
 * Maps a failed Redis call to what callers expect: connection trouble becomes `unavailable`
 * (HTTP 503 with Retry-After); a reply error for a bad request stays itself, and so do our own
 * programming errors, so neither is hidden behind "retry shortly".
 */
export function toAppError(e: unknown): unknown {
  if (isAppError(e)) return e;
  if (e instanceof TypeError || e instanceof RangeError) return e;
  if (e instanceof Error && e.name === 'ReplyError') return isTransientReply(e) ? unavailable('redis', e) : e;
  return unavailable('redis', e);
}

const coded = (e: unknown): never => {
  throw toAppError(e);
};

/** Runs Redis calls: transient replies are retried with backoff, then every failure is mapped by `toAppError`. */
export function guard<T>(fn: () => Promise<T>): Promise<T> {
  return retry(fn, REPLY_RETRY).catch(coded);
}

export interface ConnectionTuning {
  connectTimeoutMs: number;
  commandTimeoutMs: number;
}

const RECONNECT = { baseMs: 100, maxMs: 2000 };

/**
 * Fail fast, heal alone. Every command has a deadline (`commandTimeout`), and a link on which
 * commands wait but nothing arrives for as long (`socketTimeout`: a server or network that went
 * silent without closing anything) is dropped and dialled again. Until it is ready, calls reject
 * at once instead of waiting in an offline queue. A command cut off with its link is not sent
 * again on the new one: its caller was already told it failed, so it must not happen later.
 * Reconnection never gives up; its backoff is capped at 2 s with jitter, so many nodes do not
 * knock on a restarted Redis in step.
 */
export function clientOptions(t: ConnectionTuning): RedisOptions {
  return {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    autoResendUnfulfilledCommands: false,
    connectTimeout: t.connectTimeoutMs,
    commandTimeout: t.commandTimeoutMs,
    socketTimeout: t.commandTimeoutMs,
    keepAlive: 10_000,
    // How long disconnect() waits for a graceful close; the default 2 s keeps processes alive.
    disconnectTimeout: 500,
    retryStrategy: (times: number) => backoffMs(times - 1, RECONNECT),
    // Commands issued in the same turn of the event loop (the positions of a join batch, many
    // customers' status reads) leave in one write and are read back in one: measured on joins,
    // one write per command cost Redis more CPU than the commands themselves.
    enableAutoPipelining: true,
  };
}

/**
 * Logs one warning per outage rather than one per reconnect attempt. Attaching an error listener
 * also stops ioredis from printing unhandled error events to stderr.
 */
export function watchConnection(client: Redis, role: string, logger?: RedisLogger): void {
  let down = false;
  client.on('error', (err: unknown) => {
    if (down) return;
    down = true;
    logger?.warn({ err, role }, 'redis connection failed; reconnecting');
  });
  client.on('ready', () => {
    down = false;
  });
}

/** Connects within the timeout or rejects with `unavailable` and stops reconnecting. */
export async function connectWithin(client: Redis, timeoutMs: number): Promise<void> {
  // The connect() rejection only says "Connection is closed."; the error event says why.
  let reason: unknown;
  const onError = (e: unknown): void => {
    reason ??= e;
  };
  client.on('error', onError);
  try {
    await within(client.connect(), timeoutMs);
  } catch (e) {
    client.disconnect();
    throw unavailable('redis', reason ?? e);
  } finally {
    client.off('error', onError);
  }
}

/** Closes politely when possible; a dead link is simply dropped. */
export async function closeClient(client: Redis): Promise<void> {
  if (client.status === 'end') return;
  if (client.status !== 'ready') {
    client.disconnect();
    return;
  }
  try {
    await client.quit();
  } catch {
    client.disconnect();
  }
}

import { Redis } from 'ioredis';
import { within } from '../../resilience/index.js';
import type { LiveBackend, SweepResult } from '../contract.js';
import { RedisBus, type BusHealth } from './bus.js';
import {
  clientOptions,
  closeClient,
  connectWithin,
  guard,
  toAppError,
  watchConnection,
  type RedisLogger,
} from './connection.js';
import { RedisLiveIndex } from './index.js';
import { escapeGlob, scanKeys } from './keys.js';
import { RedisRateLimiter } from './limiter.js';
import { DELETE_ORPHANS, defineScripts } from './scripts.js';

export interface RedisBackendOptions {
  /** redis:// or rediss:// URL; a path such as /5 selects the database. */
  url: string;
  /** Prepended to every key and channel, so several deployments or tests can share one Redis. */
  keyPrefix: string;
  logger?: RedisLogger;
  /** How long the first connection may take before creation fails (default 2000 ms). */
  connectTimeoutMs?: number;
  /**
   * Upper bound for one command, and how long a link may stay silent while commands wait before
   * it is dropped and dialled again, so a silent network never hangs a request (default 2000 ms).
   */
  commandTimeoutMs?: number;
  /** How often the bus's subscriber link is checked with a PING, and its deadline (5 s and 2 s). */
  busHealth?: BusHealth;
}

/** Parses INFO output ("key:value" lines, "# Section" headings) into a flat record. */
export function parseInfo(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.indexOf(':');
    if (at > 0) out[line.slice(0, at)] = line.slice(at + 1);
  }
  return out;
}

/**
 * The multi-node backend. Resolves once connected; rejects with `unavailable` when Redis cannot
 * be reached at all. Afterwards calls made during an outage reject with `unavailable` at once and
 * the connection heals by itself when Redis returns.
 */
export async function createRedisBackend(opts: RedisBackendOptions): Promise<LiveBackend> {
  const connectTimeoutMs = opts.connectTimeoutMs ?? 2000;
  const client = new Redis(
    opts.url,
    clientOptions({ connectTimeoutMs, commandTimeoutMs: opts.commandTimeoutMs ?? 2000 }),
  );
  defineScripts(client);
  watchConnection(client, 'commands', opts.logger);
  await connectWithin(client, connectTimeoutMs);

  const prefix = opts.keyPrefix;
  const index = new RedisLiveIndex(client, prefix);
  const bus = new RedisBus(client, prefix, connectTimeoutMs, opts.logger, opts.busHealth);
  const limiter = new RedisRateLimiter(client, prefix);

  return {
    kind: 'redis',
    index,
    bus,
    limiter,
    /**
     * Redis expires windows itself, so `now` is not needed; what is left are counters without a
     * TTL (from crashes of older writers or manual edits), which would block their client forever.
     */
    async sweep(): Promise<SweepResult> {
      let removed = 0;
      await guard(() =>
        scanKeys(client, `${escapeGlob(prefix)}rl:*`, async (keys) => {
          removed += Number(await DELETE_ORPHANS.run(client, keys, []));
        }),
      );
      return { expiredKeysRemoved: removed };
    },
    async ping(timeoutMs: number): Promise<number> {
      const started = performance.now();
      await within(client.ping(), timeoutMs).catch((e: unknown) => Promise.reject(toAppError(e)));
      return performance.now() - started;
    },
    async info(section: string): Promise<Record<string, string>> {
      return parseInfo(await guard(() => client.info(section)));
    },
    async configGet(name: string): Promise<string | null> {
      const reply = await guard(() => client.config('GET', name));
      return Array.isArray(reply) && typeof reply[1] === 'string' ? reply[1] : null;
    },
    async memoryPurge(): Promise<boolean> {
      return (await guard(() => client.call('MEMORY', 'PURGE'))) === 'OK';
    },
    async close(): Promise<void> {
      await bus.close();
      await closeClient(client);
    },
  };
}

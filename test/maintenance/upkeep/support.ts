import { spawn, spawnSync } from 'node:child_process';
import { utimes } from 'node:fs/promises';
import { Redis } from 'ioredis';
import { createRedisBackend } from '../../../src/live/redis/backend.js';
import type { LiveBackend } from '../../../src/live/contract.js';
import { freePort } from '../../support/harness.js';

export const DAY = 24 * 3_600_000;

/** Sets a file's (or folder's) modification time `days` ago, as an old file would have. */
export async function age(path: string, days: number, now = Date.now()): Promise<void> {
  const t = new Date(now - days * DAY);
  await utimes(path, t, t);
}

const hasRedisServer = spawnSync('redis-server', ['--version']).status === 0;
export const skipPrivateRedis = hasRedisServer ? false : 'skipped: redis-server is not installed';

export interface PrivateRedis {
  readonly url: string;
  /** A live backend on this server, closed by `stop()`. */
  readonly live: LiveBackend;
  /** A plain client, for settings the test plants. */
  readonly client: Redis;
  stop(): Promise<void>;
}

/**
 * A Redis of this test alone (loopback, free port, no persistence), so that its settings can be
 * changed without touching the shared server. Killed by its own pid in `stop()`.
 */
export async function startPrivateRedis(extra: string[] = []): Promise<PrivateRedis> {
  const port = await freePort();
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...extra],
    { stdio: 'ignore' },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `redis://127.0.0.1:${port}`;
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  // Refused connections while the server starts are expected; they are retried below.
  client.on('error', () => undefined);
  for (let i = 0; ; i++) {
    try {
      await client.connect();
      await client.ping();
      break;
    } catch (e) {
      client.disconnect();
      if (i >= 100) {
        child.kill('SIGKILL');
        throw e;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  const live = await createRedisBackend({ url, keyPrefix: 'upkeep:' });
  return {
    url,
    live,
    client,
    async stop() {
      await live.close().catch(() => undefined);
      client.disconnect();
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/**
 * Backends a step cannot reach, for the fault tests beside the steps: a real store and a real live
 * backend whose other end is gone, never a mock.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDatabase } from '../../src/config/index.js';
import type { LiveBackend } from '../../src/live/contract.js';
import { createRedisBackend } from '../../src/live/redis/backend.js';
import type { Store } from '../../src/store/contract.js';
import { openStore } from '../../src/store/open.js';
import { TEST_REDIS_URL, uniqueName } from './env.js';
import { deleteRedisPrefix } from './harness.js';
import { TcpProxy } from './tcp-proxy.js';

/** A store of the given kind that cannot be read: a closed SQLite file, or PostgreSQL where nothing listens. */
export async function unreachableStore(
  kind: 'sqlite' | 'postgres',
): Promise<{ store: Store; cleanup(): Promise<void> }> {
  if (kind === 'sqlite') {
    const dir = await mkdtemp(join(tmpdir(), 'qk-gone-'));
    const store = openStore(parseDatabase(`sqlite:${join(dir, 'gone.db')}`, dir));
    // A query first: Kysely only closes the file on destroy once its driver has been used.
    await store.migrate();
    await store.close();
    return { store, cleanup: () => rm(dir, { recursive: true, force: true }) };
  }
  // Nothing listens on port 1: a database that cannot be reached at all.
  const store = openStore(parseDatabase('postgres://postgres@127.0.0.1:1/none?schema=gone', tmpdir()));
  return { store, cleanup: () => store.close() };
}

/** A Redis live backend whose server went away: connected through a proxy, which is then cut. */
export async function unreachableRedis(label: string): Promise<{ live: LiveBackend; cleanup(): Promise<void> }> {
  const proxy = TcpProxy.forUrl(TEST_REDIS_URL, 6379);
  await proxy.start();
  const prefix = `${uniqueName(label)}:`;
  const live = await createRedisBackend({
    url: proxy.urlFor(TEST_REDIS_URL),
    keyPrefix: prefix,
    connectTimeoutMs: 1000,
    commandTimeoutMs: 1000,
  });
  await proxy.stop();
  return {
    live,
    async cleanup() {
      await live.close();
      await proxy.stop();
      await deleteRedisPrefix(prefix);
    },
  };
}

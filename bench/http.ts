import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config/index.js';
import { DEFAULT_QUEUE_SETTINGS } from '../src/domain/types.js';
import { openStore } from '../src/store/open.js';
import { Redis } from 'ioredis';
import pg from 'pg';
import type { Config } from '../src/config/index.js';
import { fillQueue } from './fill.js';
import { freePort, load, startProcess, stop, type LoadResult } from './load.js';

const KEY = 'bench-master-key-0123456789abcdef0123456789';

export interface HttpFigures {
  readonly combo: string;
  readonly hello: LoadResult;
  readonly join: LoadResult;
  readonly status: LoadResult;
  readonly callNext: LoadResult;
  readonly positionAtWaiting: { waiting: number; result: LoadResult } | null;
}

/**
 * Runs the bare baseline and the three queue operations against a production build of the
 * server (`bin/queuekeeper.js serve`) in a child process, with autocannon in another.
 */
export async function httpBench(combo: string, env: Record<string, string>, seconds: number, callNextStock: number): Promise<HttpFigures> {
  const dir = mkdtempSync(join(tmpdir(), 'qk-bench-http-'));
  const fullEnv = { QK_DATA_DIR: dir, QK_MASTER_KEY: KEY, QK_SCHEDULER: 'off', QK_JOIN_RATE_LIMIT: '0', LOG_LEVEL: 'warn', ...env };
  const config = loadConfig(fullEnv);
  const store = openStore(config.database);
  await store.migrate();
  const now = new Date();
  await store.createQueue({ id: 'bench_join', name: 'join', mode: 'service', capacity: null, settings: DEFAULT_QUEUE_SETTINGS }, now);
  await store.createQueue({ id: 'bench_call', name: 'call', mode: 'service', capacity: null, settings: DEFAULT_QUEUE_SETTINGS }, now);
  await fillQueue(store, 'bench_call', callNextStock);
  await store.close();

  const helloPort = await freePort();
  const hello = await startProcess(['--import', 'tsx', 'bench/hello.ts', String(helloPort)], {}, /ready/);
  const helloRes = await load(`http://127.0.0.1:${helloPort}/`, { seconds });
  await stop(hello.child);

  const port = await freePort();
  const server = await startProcess(['bin/queuekeeper.js', 'serve'], { ...fullEnv, PORT: String(port) }, /listening on/);
  const base = `http://127.0.0.1:${port}`;
  try {
    const joinRes = await load(`${base}/api/queues/bench_join/tickets`, { seconds, method: 'POST', body: '{"name":"Bench"}', headers: { 'content-type': 'application/json' } });
    const t = (await (await fetch(`${base}/api/queues/bench_join/tickets`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).json()) as { id: string; token: string; position: number };
    const statusRes = await load(`${base}/api/tickets/${t.id}`, { seconds, headers: { 'x-ticket-token': t.token } });
    const callRes = await load(`${base}/api/queues/bench_call/call-next`, { seconds, method: 'POST', headers: { authorization: `Bearer ${KEY}` } });
    return { combo, hello: helloRes, join: joinRes, status: statusRes, callNext: callRes, positionAtWaiting: { waiting: t.position, result: statusRes } };
  } finally {
    await stop(server.child);
    rmSync(dir, { recursive: true, force: true });
    await dropBenchData(config);
  }
}

/** Leaves the shared PostgreSQL and Redis as they were: the bench's schema and keys go. */
async function dropBenchData(config: Config): Promise<void> {
  if (config.database.kind === 'postgres') {
    const c = new pg.Client({ connectionString: config.database.url });
    await c.connect();
    await c.query(`DROP SCHEMA IF EXISTS "${config.database.schema}" CASCADE`);
    await c.end();
  }
  if (config.redis) {
    const r = new Redis(config.redis.url);
    let cursor = '0';
    do {
      const [next, keys] = await r.scan(cursor, 'MATCH', `${config.redis.keyPrefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await r.del(...keys);
    } while (cursor !== '0');
    await r.quit();
  }
}

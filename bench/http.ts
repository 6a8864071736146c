import { rmSync } from 'node:fs';
import { loadConfig } from '../src/config/index.js';
import { DEFAULT_QUEUE_SETTINGS } from '../src/domain/types.js';
import { openStore } from '../src/store/open.js';
import { Redis } from 'ioredis';
import { dropSchema } from '../test/support/pg.js';
import type { Config } from '../src/config/index.js';
import { namedCpuMs, processCpuMs } from './cpu.js';
import { fillQueue } from './fill.js';
import { freePort, load, startProcess, stop, type LoadOptions, type LoadResult } from './load.js';

import { BENCH_KEY as KEY, benchEnv, startServer } from './server-env.js';
export const SURGE_CONNECTIONS = 256;

/** A load result with the CPU each process spent per request while it ran. */
export interface Measured extends LoadResult {
  readonly serverCpuUs: number | null;
  readonly postgresCpuUs: number | null;
  readonly redisCpuUs: number | null;
}

export interface HttpFigures {
  readonly combo: string;
  /** The faster of the bare route's two runs, one before the queue routes and one after. */
  readonly hello: Measured;
  readonly helloRuns: readonly number[];
  readonly join: Measured;
  /** Joins from many more clients at once: larger batches per commit, as in a surge. */
  readonly joinSurge: Measured;
  readonly status: Measured;
  /** Tickets waiting in the server's index while status was measured (both queues). */
  readonly waitingDuringStatus: number;
  readonly callNext: Measured;
}

/**
 * A short unmeasured run first, so that every route, the bare one included, is measured after
 * the JIT has compiled its path; then the measured run, with the CPU time of the server, of all
 * PostgreSQL backends and of Redis over exactly that run.
 */
export async function measure(
  pid: number | undefined,
  url: string,
  opts: LoadOptions,
  warmSeconds: number,
): Promise<Measured> {
  if (warmSeconds > 0) await load(url, { ...opts, seconds: warmSeconds });
  const before = { server: processCpuMs(pid), pg: namedCpuMs(['postgres']), redis: namedCpuMs(['redis-server']) };
  const r = await load(url, opts);
  const per = (a: number | null, b: number | null): number | null =>
    a === null || b === null || r.requests === 0 ? null : Math.round(((b - a) * 1000) / r.requests);
  return {
    ...r,
    serverCpuUs: per(before.server, processCpuMs(pid)),
    postgresCpuUs: per(before.pg, namedCpuMs(['postgres'])),
    redisCpuUs: per(before.redis, namedCpuMs(['redis-server'])),
  };
}

/**
 * Runs the bare baseline and the three queue operations against a production build of the
 * server (`bin/queuekeeper.js serve`) in a child process, with autocannon in another.
 */
export async function httpBench(
  combo: string,
  env: Record<string, string>,
  seconds: number,
  callNextStock: number,
): Promise<HttpFigures> {
  const { dir, env: fullEnv } = benchEnv('http', env);
  const config = loadConfig(fullEnv);
  const store = openStore(config.database);
  await store.migrate();
  const now = new Date();
  await store.createQueue(
    { id: 'bench_join', name: 'join', mode: 'service', capacity: null, settings: DEFAULT_QUEUE_SETTINGS },
    now,
  );
  await store.createQueue(
    { id: 'bench_call', name: 'call', mode: 'service', capacity: null, settings: DEFAULT_QUEUE_SETTINGS },
    now,
  );
  await fillQueue(store, 'bench_call', callNextStock);
  await store.close();

  const helloPort = await freePort();
  const hello = await startProcess(['--import', 'tsx', 'bench/hello.ts', String(helloPort)], {}, /ready/);
  // A smoke run (one second per route) skips the warm-up: its figures are not for quoting.
  const warm = seconds < 2 ? 0 : Math.max(1, Math.round(seconds / 4));
  const bare = (): Promise<Measured> => measure(hello.child.pid, `http://127.0.0.1:${helloPort}/`, { seconds }, warm);
  const helloBefore = await bare();

  const { server, base } = await startServer(fullEnv);
  try {
    const pid = server.child.pid;
    const joinRes = await measure(
      pid,
      `${base}/api/queues/bench_join/tickets`,
      { seconds, method: 'POST', body: '{"name":"Bench"}', headers: { 'content-type': 'application/json' } },
      warm,
    );
    const joinSurge = await measure(
      pid,
      `${base}/api/queues/bench_join/tickets`,
      {
        seconds,
        connections: SURGE_CONNECTIONS,
        method: 'POST',
        body: '{"name":"Bench"}',
        headers: { 'content-type': 'application/json' },
      },
      warm,
    );
    const t = (await (
      await fetch(`${base}/api/queues/bench_join/tickets`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      })
    ).json()) as { id: string; token: string; position: number };
    const statusRes = await measure(
      pid,
      `${base}/api/tickets/${t.id}`,
      { seconds, headers: { 'x-ticket-token': t.token } },
      warm,
    );
    const callRes = await measure(
      pid,
      `${base}/api/queues/bench_call/call-next`,
      { seconds, method: 'POST', headers: { authorization: `Bearer ${KEY}` } },
      warm,
    );
    const helloAfter = await bare();
    // The faster of the two baselines: a slow spell on this shared host while the bare route was
    // measured would otherwise flatter every ratio.
    const hello = helloAfter.rps > helloBefore.rps ? helloAfter : helloBefore;
    return {
      combo,
      hello,
      helloRuns: [helloBefore.rps, helloAfter.rps],
      join: joinRes,
      joinSurge,
      status: statusRes,
      waitingDuringStatus: t.position + callNextStock,
      callNext: callRes,
    };
  } finally {
    await stop(hello.child);
    await stop(server.child);
    rmSync(dir, { recursive: true, force: true });
    await dropBenchData(config);
  }
}

/** Leaves the shared PostgreSQL and Redis as they were: the bench's schema and keys go. */
export async function dropBenchData(config: Config): Promise<void> {
  if (config.database.kind === 'postgres') {
    await dropSchema(config.database.url, config.database.schema);
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

import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { loadConfig } from '../src/config/index.js';
import { newId, sha256 } from '../src/domain/tokens.js';
import { DEFAULT_QUEUE_SETTINGS } from '../src/domain/types.js';
import { percentile } from '../src/metrics/percentile.js';
import { openStore } from '../src/store/open.js';
import { ownCpuMs, processCpuMs, usPer } from './cpu.js';
import { dropBenchData } from './http.js';
import { Crowd } from './live-watchers.js';
import { freePort, startProcess, stop } from './load.js';

import { BENCH_KEY as KEY, benchEnv } from './server-env.js';
const TOKEN = 'bench-live-token';
const QUEUE = 'bench_live';

export interface LiveFigures {
  readonly combo: string;
  readonly nodes: number;
  readonly watchers: number;
  /** After one call-next: time until every watcher had its new position, per round. */
  readonly callNextMs: readonly number[];
  readonly sustained: {
    /** Call-next requests that did not answer 200 (they moved nobody and are left out of the lags). */
    readonly refused: number;
    readonly calls: number;
    readonly seconds: number;
    readonly p50LagMs: number;
    readonly maxLagMs: number;
  };
  /** Heap and buffers the servers keep per open stream after a full collection (stream, socket, watch). */
  readonly bytesPerWatcher: number;
  /** The same after the rounds: what the watches keep once passes have moved every watcher. */
  readonly bytesPerWatcherMoved: number;
  /** Growth of the servers' resident set per open stream (adds native memory, and garbage not returned). */
  readonly rssPerWatcher: number;
  /** After one call-next: time until its answer came back, per round (the pass must not hold it up). */
  readonly answeredMs: readonly number[];
  /** CPU per ticket message over the rounds (one pass each): the servers', and the bench client's reading them. */
  readonly rounds: { readonly serverUs: number | null; readonly clientUs: number | null };
  /** Server CPU (all nodes) per ticket message delivered during the sustained run. */
  readonly cpuUsPerMessage: number | null;
  readonly messages: number;
  /** Streams the servers dropped because the bench read them too slowly (each reopened at once). */
  readonly drops: number;
  /** One ticket event as a watcher received it: the floor writes the same bytes. */
  readonly sample: string | null;
}

/** Heap and buffers in use after a full collection, and the resident set, as the server reports them. */
async function memoryOf(s: { child: ChildProcess; stdout: () => string }): Promise<{ live: number; rss: number }> {
  const seen = s.stdout().length;
  s.child.kill('SIGUSR2');
  for (let i = 0; i < 100; i++) {
    const m = /memory (\d+) (\d+)\n/.exec(s.stdout().slice(seen));
    if (m) return { live: Number(m[1]), rss: Number(m[2]) };
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the server did not report its memory');
}

async function seed(env: Record<string, string>, n: number): Promise<void> {
  const config = loadConfig({ QK_MASTER_KEY: KEY, ...env });
  const store = openStore(config.database);
  await store.migrate();
  await store.createQueue(
    { id: QUEUE, name: 'live', mode: 'service', capacity: null, settings: DEFAULT_QUEUE_SETTINGS },
    new Date(),
  );
  for (let done = 0; done < n; done += 1000) {
    const size = Math.min(1000, n - done);
    const reqs = Array.from({ length: size }, () => ({
      id: newId('t'),
      tokenHash: sha256(TOKEN),
      priority: 'normal' as const,
      name: null,
      contact: null,
      metadata: null,
      idempotencyKey: null,
      sealedToken: null,
    }));
    await store.joinMany(QUEUE, reqs, new Date());
  }
  const page = await store.listTickets(QUEUE, { status: 'waiting', limit: n });
  await store.close();
  ids.splice(0, ids.length, ...page.items.map((t) => t.id));
}
const ids: string[] = [];

const callNext = (base: string): Promise<number> =>
  fetch(`${base}/api/queues/${QUEUE}/call-next`, {
    method: 'POST',
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
    body: '{}',
  }).then(async (r) => {
    await r.arrayBuffer();
    return r.status;
  });

/**
 * `watchers` event streams of one queue spread over `nodeCount` production servers; call-next on
 * the first. Every watcher's position is known from its first event, so a message showing position
 * p proves the watcher has seen the first (start − p) calls.
 */
export async function liveBench(
  combo: string,
  env: Record<string, string>,
  opts: { watchers: number; nodeCount: number; rounds: number; sustainSeconds: number },
): Promise<LiveFigures> {
  const { dir, env: fullEnv } = benchEnv('live', env);
  const stock = opts.rounds + opts.sustainSeconds * 10 + 10;
  await seed(fullEnv, opts.watchers + stock);
  const servers: { child: ChildProcess; stdout: () => string; port: number; base: string }[] = [];
  try {
    for (let i = 0; i < opts.nodeCount; i++) {
      const port = await freePort();
      const s = await startProcess(
        // BENCH_PROFILE_DIR=<dir> writes a CPU profile of each server there, for finding the costs.
        [
          '--expose-gc',
          '--import',
          './bench/gc-probe.mjs',
          ...(process.env.BENCH_PROFILE_DIR ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_PROFILE_DIR] : []),
          'bin/queuekeeper.js',
          'serve',
        ],
        { ...fullEnv, PORT: String(port), QK_MAX_CONNECTIONS: '100000', QK_MAX_CONNECTIONS_PER_IP: '0' },
        /listening on/,
      );
      servers.push({ ...s, port, base: `http://127.0.0.1:${port}` });
    }
    const memory = async () => {
      const each = await Promise.all(servers.map((s) => memoryOf(s)));
      return { live: each.reduce((n, m) => n + m.live, 0), rss: each.reduce((n, m) => n + m.rss, 0) };
    };
    const before = await memory();

    const watched = ids.slice(stock, stock + opts.watchers);
    const crowd = new Crowd(
      watched.map((id, i) => ({
        port: (servers[i % servers.length] as (typeof servers)[number]).port,
        path: `/api/tickets/${id}/events?token=${TOKEN}`,
      })),
    );
    await crowd.open();
    await new Promise((r) => setTimeout(r, 1000));
    const after = await memory();
    const bytesPerWatcher = Math.round((after.live - before.live) / opts.watchers);
    const rssPerWatcher = Math.round((after.rss - before.rss) / opts.watchers);

    const leader = servers[0] as (typeof servers)[number];
    const sentAt: number[] = [];
    const { doneAt } = crowd;
    const callNextMs: number[] = [];
    const answeredMs: number[] = [];
    const roundCpu0 = servers.map((s) => processCpuMs(s.child.pid));
    const client0 = ownCpuMs();
    const roundM0 = crowd.messages;
    let k = 0;
    for (let r = 0; r < opts.rounds; r++) {
      k++;
      sentAt[k] = performance.now();
      await callNext(leader.base);
      answeredMs.push(Math.round(performance.now() - (sentAt[k] as number)));
      await crowd.waitFor(k, 60_000);
      callNextMs.push(Math.round((doneAt[k] ?? Number.NaN) - (sentAt[k] as number)));
      await new Promise((res) => setTimeout(res, 500));
    }
    const roundMessages = crowd.messages - roundM0;
    const rounds = {
      serverUs: usPer(
        roundCpu0,
        servers.map((s) => processCpuMs(s.child.pid)),
        roundMessages,
      ),
      clientUs: usPer([client0], [ownCpuMs()], roundMessages),
    };
    const bytesPerWatcherMoved = Math.round(((await memory()).live - before.live) / opts.watchers);

    const firstSustained = k + 1;
    const cpu0 = servers.map((s) => processCpuMs(s.child.pid));
    const m0 = crowd.messages;
    const calls = opts.sustainSeconds * 10;
    const start = performance.now();
    const pending: Promise<{ at: number; status: number }>[] = [];
    for (let i = 0; i < calls; i++) {
      const due = start + i * 100;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((res) => setTimeout(res, wait));
      const at = performance.now();
      pending.push(callNext(leader.base).then((status) => ({ at, status })));
    }
    // A call refused under load (a 503 after the row lock's statement timeout) moved nobody: the
    // n-th call that succeeded, in sending order, is the one that moves every watcher n places.
    const answered = await Promise.all(pending);
    const succeeded = answered.filter((a) => a.status === 200);
    for (const a of succeeded) sentAt[++k] = a.at;
    await crowd.waitFor(k, 30_000);
    const cpu1 = servers.map((s) => processCpuMs(s.child.pid));
    const lags: number[] = [];
    for (let c = firstSustained; c <= k; c++)
      lags.push((doneAt[c] ?? Number.POSITIVE_INFINITY) - (sentAt[c] as number));
    lags.sort((a, b) => a - b);
    const delivered = crowd.messages - m0;
    const drops = crowd.drops;
    if (process.env.BENCH_SHOW_WARNINGS)
      for (const srv of servers)
        process.stderr.write(
          srv
            .stdout()
            .split('\n')
            .filter((l) => l.includes('"level":40'))
            .slice(0, 5)
            .join('\n'),
        );
    crowd.close();
    return {
      combo,
      nodes: opts.nodeCount,
      watchers: opts.watchers,
      callNextMs,
      sustained: {
        calls,
        seconds: opts.sustainSeconds,
        refused: calls - succeeded.length,
        p50LagMs: Math.round(percentile(lags, 0.5) ?? 0),
        maxLagMs: Math.round(lags.at(-1) ?? 0),
      },
      bytesPerWatcher,
      bytesPerWatcherMoved,
      rssPerWatcher,
      cpuUsPerMessage: usPer(cpu0, cpu1, delivered),
      answeredMs,
      rounds,
      messages: delivered,
      drops,
      sample: crowd.sample,
    };
  } finally {
    for (const s of servers) await stop(s.child);
    await dropBenchData(loadConfig(fullEnv));
    rmSync(dir, { recursive: true, force: true });
  }
}

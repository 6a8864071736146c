import { rmSync } from 'node:fs';
import { loadConfig } from '../src/config/index.js';
import { DEFAULT_QUEUE_SETTINGS, type TicketRecord } from '../src/domain/types.js';
import type { Store } from '../src/store/contract.js';
import { openStore } from '../src/store/open.js';
import { dropBenchData } from './http.js';
import { freePort, load, startProcess, stop, type LoadResult } from './load.js';

import { BENCH_KEY as KEY, benchEnv, startServer } from './server-env.js';
const CONNECTIONS = 256;
/**
 * The room: 100 admissions a second and 4 s sessions, so about 400 at once at the rate, under a
 * cap of 600 that a burst of catch-up may test but that does not hold the rate back (a binding cap
 * would: the rate's credit is not saved while the room is full).
 */
export const ROOM = { newPerMinute: 6000, maxActive: 600, sessionSeconds: 4, idleSeconds: 86_400 } as const;

export interface SurgeFigures {
  readonly combo: string;
  readonly joins: number;
  /** The same-run baselines: the bare Fastify route, and the same surge into a service queue. */
  readonly hello: LoadResult;
  readonly serviceSurge: LoadResult;
  readonly roomSurge: LoadResult;
  readonly surgeSeconds: number;
  /** Admissions made while the joins poured in, against the rate's promise for that time. */
  readonly admittedDuringSurge: number;
  readonly expectedDuringSurge: number;
  /** The same over the surge and the `afterSeconds` after it (the loop working off the line). */
  readonly afterSeconds: number;
  readonly admittedOverall: number;
  readonly expectedOverall: number;
  /** Most sessions open at one instant, from every admission's start and end (exact, not sampled). */
  readonly peakActive: number;
  /** Admissions the server counted (its metrics) minus distinct admitted tickets: 0 = nobody twice. */
  readonly admittedTwice: number;
  readonly joinErrors: number;
}

async function admittedTickets(store: Store, queueId: string): Promise<TicketRecord[]> {
  const out: TicketRecord[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.listTickets(queueId, { status: 'admitted', limit: 500, ...(cursor ? { cursor } : {}) });
    out.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return out;
}

/** The largest number of [start, end) intervals that overlap at one instant. */
function peakOverlap(spans: readonly [number, number][]): number {
  const edges = spans.flatMap(([a, b]) => [
    [a, 1],
    [b, -1],
  ]);
  // An end and a start at the same millisecond: the ended session no longer counts.
  edges.sort((x, y) => x[0]! - y[0]! || x[1]! - y[1]!);
  let open = 0;
  let peak = 0;
  for (const [, d] of edges) peak = Math.max(peak, (open += d!));
  return peak;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A surge of `joins` joins into one waiting room while its admission loop runs on the (one,
 * scheduler) node: join throughput and p99, the loop's accuracy during the surge, the cap and
 * nobody admitted twice. Baselines in the same run: the bare route and the same surge into a
 * service queue (no admission).
 */
export async function surgeBench(
  combo: string,
  env: Record<string, string>,
  joins: number,
  afterSeconds: number,
): Promise<SurgeFigures> {
  const { dir, env: fullEnv } = benchEnv('room', {
    QK_SCHEDULER: 'on',
    // The admission loop runs on scheduler nodes; no maintenance plan may run into the figures.
    ...Object.fromEntries(
      ['DAILY', 'WEEKLY', 'MONTHLY', 'QUARTERLY', 'BACKUP'].map((p) => [`QK_PLAN_${p}_ENABLED`, 'off']),
    ),
    ...env,
  });
  const config = loadConfig(fullEnv);
  const store = openStore(config.database);
  await store.migrate();
  const now = new Date();
  await store.createQueue(
    { id: 'bench_service', name: 'service', mode: 'service', capacity: null, settings: DEFAULT_QUEUE_SETTINGS },
    now,
  );
  await store.createQueue(
    {
      id: 'bench_room',
      name: 'room',
      mode: 'waiting_room',
      capacity: null,
      settings: { ...DEFAULT_QUEUE_SETTINGS, admission: ROOM },
    },
    now,
  );

  const helloPort = await freePort();
  const helloProc = await startProcess(['--import', 'tsx', 'bench/hello.ts', String(helloPort)], {}, /ready/);
  const { server, base } = await startServer(fullEnv);
  /** All the joins as fast as they go; the rate is requests over the wall time of the run. */
  const surge = async (queue: string): Promise<LoadResult> => {
    const t = Date.now();
    const r = await load(`${base}/api/queues/${queue}/tickets`, {
      seconds: 600,
      amount: joins,
      connections: CONNECTIONS,
      method: 'POST',
      body: '{"name":"Bench"}',
      headers: { 'content-type': 'application/json' },
    });
    return { ...r, rps: Math.round((r.requests * 1000) / (Date.now() - t)) };
  };
  try {
    const hello = await load(`http://127.0.0.1:${helloPort}/`, { seconds: 5, connections: CONNECTIONS });
    const serviceSurge = await surge('bench_service');
    const started = Date.now();
    const roomSurge = await surge('bench_room');
    const t1 = Date.now();
    await sleep(afterSeconds * 1000);
    const t2 = Date.now();
    // A paused room admits nobody: the server's count and the database then describe the same
    // admissions. The metrics page is rendered at most every 5 s; waiting past that reads a fresh one.
    const paused = await fetch(`${base}/api/queues/bench_room`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: '{"status":"paused"}',
    });
    if (!paused.ok) throw new Error(`pausing the room: ${paused.status}`);
    await sleep(5_500);
    const metrics = await (await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${KEY}` } })).text();
    const counted = Number(/qk_tickets_served_total\{queue="bench_room"\} (\d+)/.exec(metrics)?.[1] ?? 'NaN');
    const admitted = await admittedTickets(store, 'bench_room');
    const at = admitted.map((t) => (t.calledAt as Date).getTime());
    const rate = ROOM.newPerMinute / 60_000;
    // The window opens with the first admission (the first joiner, let in at once), not with the
    // start of the load generator, before which nobody waits.
    const t0 = Math.min(...at);
    const inWindow = (from: number, to: number) => at.filter((x) => x >= from && x <= to).length;
    if (Number.isNaN(counted)) throw new Error('the metrics page has no admission count for the room');
    return {
      combo,
      joins,
      hello,
      serviceSurge,
      roomSurge,
      surgeSeconds: (t1 - started) / 1000,
      admittedDuringSurge: inWindow(t0, t1),
      expectedDuringSurge: Math.round(rate * (t1 - t0)),
      afterSeconds,
      admittedOverall: inWindow(t0, t2),
      expectedOverall: Math.round(rate * (t2 - t0)),
      peakActive: peakOverlap(
        admitted.map((t) => [(t.calledAt as Date).getTime(), (t.admittedUntil as Date).getTime()]),
      ),
      admittedTwice: counted - new Set(admitted.map((t) => t.id)).size,
      joinErrors: roomSurge.errors + roomSurge.non2xx,
    };
  } finally {
    await stop(helloProc.child);
    await stop(server.child);
    await store.close();
    rmSync(dir, { recursive: true, force: true });
    await dropBenchData(config);
  }
}

const pct = (a: number, b: number): string => (b > 0 ? `${((a / b) * 100).toFixed(1)} %` : 'n/a');

/** The BENCHMARKS.md section for the surge rows. */
export function surgeSection(rows: readonly SurgeFigures[]): string[] {
  const lines = [
    '## Waiting room: a surge of joins while admission runs',
    '',
    `One server with its scheduler on (the admission loop every 250 ms); the room admits ${ROOM.newPerMinute.toLocaleString('en')} a minute with sessions of ${ROOM.sessionSeconds} s and \`maxActive\` ${ROOM.maxActive}. autocannon sends the joins from ${CONNECTIONS} connections. Baselines in the same run: the bare Fastify route, and the same number of joins into a service queue (no admission). Admission accuracy: admissions from the first one (the first joiner, let in at once) to the end of the surge, then to the given seconds after it, against the rate × that time; peak sessions from every admission's start and end (exact, not sampled); "admitted twice": the server's count of admissions (\`qk_tickets_served_total\`) minus distinct admitted tickets.`,
    '',
    '| backends | joins | join req/s (ratio to service queue; to bare) | p50 / p99 ms | errors | admitted during the surge / rate × time | with the next s | peak sessions / maxActive | admitted twice |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of rows)
    lines.push(
      `| ${r.combo} | ${r.joins.toLocaleString('en')} in ${r.surgeSeconds.toFixed(1)} s | ${r.roomSurge.rps.toLocaleString('en')} (${(r.roomSurge.rps / r.serviceSurge.rps).toFixed(2)}; ${(r.roomSurge.rps / r.hello.rps).toFixed(2)}) | ${r.roomSurge.p50} / ${r.roomSurge.p99} | ${r.joinErrors} | ${r.admittedDuringSurge} / ${r.expectedDuringSurge} (${pct(r.admittedDuringSurge, r.expectedDuringSurge)}) | ${r.afterSeconds} s: ${r.admittedOverall} / ${r.expectedOverall} (${pct(r.admittedOverall, r.expectedOverall)}) | ${r.peakActive} / ${ROOM.maxActive} | ${r.admittedTwice} |`,
    );
  lines.push('');
  return lines;
}

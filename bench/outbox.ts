import { rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../src/config/index.js';
import { DEFAULT_QUEUE_SETTINGS } from '../src/domain/types.js';
import { openStore } from '../src/store/open.js';
import { dropBenchData, measure, type Measured } from './http.js';
import { stop } from './load.js';

import { BENCH_KEY as KEY, benchEnv, startServer } from './server-env.js';

export interface OutboxFigures {
  readonly combo: string;
  /** Joins with no webhook: the faster of the runs before and after the webhook's. */
  readonly plain: Measured;
  readonly plainRuns: readonly number[];
  /** Joins while one webhook wants `ticket.joined`: one more outbox row per join, in its transaction. */
  readonly hooked: Measured;
  /** What the receiver got while the hooked run lasted, per second. */
  readonly deliveredPerSecond: number;
  /** Events still undelivered when the hooked run ended (`qk_outbox_pending`). */
  readonly pendingAfter: number | null;
  /** Seconds from the end of the hooked run until nothing was pending; null: not within the limit. */
  readonly drainSeconds: number | null;
}

/** How long the bench waits for the outbox to drain after the burst. */
const DRAIN_LIMIT_MS = 90_000;

/** A receiver on loopback that answers every delivery at once with 204 and counts them. */
async function startReceiver(): Promise<{ url: string; count(): number; close(): Promise<void> }> {
  let n = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      n += 1;
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    count: () => n,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

async function gauge(base: string, name: string): Promise<number | null> {
  const text = await (await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${KEY}` } })).text();
  const v = new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1];
  return v === undefined ? null : Number(v);
}

/** Polls the outbox depth until it is empty: how fast the backlog a burst left goes out. */
async function drain(base: string): Promise<number | null> {
  const started = performance.now();
  while (performance.now() - started < DRAIN_LIMIT_MS) {
    if ((await gauge(base, 'qk_outbox_pending')) === 0) return (performance.now() - started) / 1000;
    await new Promise((r) => setTimeout(r, 250));
  }
  return null;
}

/**
 * The outbox's cost to a join: join throughput with no webhook, then with one webhook registered
 * for `ticket.joined` (its receiver running locally), then with none again, on one server in one
 * run, so the ratio compares like with like on this shared host.
 */
export async function outboxBench(combo: string, env: Record<string, string>, seconds: number): Promise<OutboxFigures> {
  const { dir, env: fullEnv } = benchEnv('outbox', { QK_WEBHOOK_PRIVATE: 'on', ...env });
  const config = loadConfig(fullEnv);
  const store = openStore(config.database);
  await store.migrate();
  for (const id of ['bench_plain', 'bench_hooked'])
    await store.createQueue(
      { id, name: id, mode: 'service', capacity: null, settings: DEFAULT_QUEUE_SETTINGS },
      new Date(),
    );
  await store.close();
  const receiver = await startReceiver();
  const { server, base } = await startServer(fullEnv);
  const warm = seconds < 2 ? 0 : Math.max(1, Math.round(seconds / 4));
  const joins = (queue: string) =>
    measure(
      server.child.pid,
      `${base}/api/queues/${queue}/tickets`,
      { seconds, method: 'POST', body: '{"name":"Bench"}', headers: { 'content-type': 'application/json' } },
      warm,
    );
  try {
    const before = await joins('bench_plain');
    const created = await fetch(`${base}/api/webhooks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
      body: JSON.stringify({ url: receiver.url, events: ['ticket.joined'] }),
    });
    if (created.status !== 201) throw new Error(`webhook registration answered ${created.status}`);
    const hook = (await created.json()) as { id: string };
    // The warm-up's deliveries are not the measured run's.
    const receivedBefore = receiver.count();
    const started = performance.now();
    const hooked = await joins('bench_hooked');
    const deliveredPerSecond = Math.round(((receiver.count() - receivedBefore) * 1000) / (performance.now() - started));
    const pendingAfter = await gauge(base, 'qk_outbox_pending');
    const drainSeconds = await drain(base);
    await fetch(`${base}/api/webhooks/${hook.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${KEY}` } });
    const after = await joins('bench_plain');
    return {
      combo,
      plain: after.rps > before.rps ? after : before,
      plainRuns: [before.rps, after.rps],
      hooked,
      deliveredPerSecond,
      pendingAfter,
      drainSeconds,
    };
  } finally {
    await stop(server.child);
    await receiver.close();
    rmSync(dir, { recursive: true, force: true });
    await dropBenchData(config);
  }
}

/** The BENCHMARKS.md section of these figures. */
export function outboxSection(figures: readonly OutboxFigures[]): string[] {
  const lines = [
    '## Outbox: joins with and without a webhook',
    '',
    'Join `POST /api/queues/:id/tickets` at 32 connections on one server: with no webhook (the faster of a run before and a run after the other), and with one webhook registered for `ticket.joined` whose receiver runs on loopback and answers 204 at once. Each join then also writes one outbox row in the transaction that commits it; the dispatcher sends in the background, one lane per webhook, claiming again at once while a backlog lasts. "delivered/s" is what the receiver got during the measured run; "pending after" is `qk_outbox_pending` when it ended, and "drained in" how long it then took to reach 0 with no more joins (polled every 250 ms, given up after 90 s).',
    '',
    '| backend | no webhook req/s (runs) | one webhook req/s | ratio | p99 ms, none → one | delivered/s | pending after | drained in |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const f of figures)
    lines.push(
      `| ${f.combo} | ${f.plain.rps.toLocaleString('en')} (${f.plainRuns.map((r) => r.toLocaleString('en')).join(', ')}) | ${f.hooked.rps.toLocaleString('en')} | ${(f.hooked.rps / f.plain.rps).toFixed(2)} | ${f.plain.p99} → ${f.hooked.p99} | ${f.deliveredPerSecond.toLocaleString('en')} | ${f.pendingAfter === null ? 'n/a' : f.pendingAfter.toLocaleString('en')} | ${f.drainSeconds === null ? `> ${DRAIN_LIMIT_MS / 1000} s` : `${f.drainSeconds.toFixed(1)} s`} |`,
    );
  lines.push('');
  return lines;
}

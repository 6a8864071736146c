import { liveFloor, type FloorFigures } from './live-floor.js';
import { liveBench, type LiveFigures } from './live.js';

export interface LiveRows {
  readonly rows: LiveFigures[];
  /** The same crowd fed by a plain Node server writing the same events, in the same run. */
  readonly floor: FloorFigures | null;
}

/**
 * The live-update rows: embedded on one node, the raw-write floor, and PostgreSQL + Redis over two
 * nodes when configured. BENCH_LIVE_WATCHERS sets another crowd size (for iterating on one change).
 */
export async function liveRows(quick: boolean, shared: { pgUrl: string; redisUrl: string } | null): Promise<LiveRows> {
  const watchers = Number(process.env.BENCH_LIVE_WATCHERS) || (quick ? 2_000 : 10_000);
  const opts = { watchers, rounds: 5, sustainSeconds: quick ? 5 : 30 };
  const out = [await liveBench('SQLite + in-process', {}, { ...opts, nodeCount: 1 })];
  const embedded = out[0] as LiveFigures;
  const eventsPerSecond = Math.max(1, Math.round(embedded.messages / watchers / opts.sustainSeconds));
  const floor = embedded.sample ? await liveFloor(embedded.sample, { ...opts, eventsPerSecond }) : null;
  if (shared) {
    const url = new URL(shared.pgUrl);
    url.searchParams.set('schema', `bench_live_${process.pid}`);
    out.push(
      await liveBench(
        'PostgreSQL + Redis',
        { DATABASE_URL: url.toString(), REDIS_URL: shared.redisUrl, QK_REDIS_PREFIX: `benchlive${process.pid}:` },
        { ...opts, nodeCount: 2 },
      ),
    );
  }
  return { rows: out, floor };
}

const verdict = (ok: boolean): string => (ok ? 'met' : '**not met**');

/** The BENCHMARKS.md section, with the targets judged on this run's figures. */
export function liveLines({ rows, floor }: LiveRows): string[] {
  const lines = [
    '## Live updates (event streams of one queue)',
    '',
    'Production servers in child processes; the watchers are plain HTTP streams opened from the bench process (which shares the 2 cores). A round is one call-next, timed from sending it until the last watcher has received its new position (and, apart, until the call-next answered). The sustained run sends 10 call-next per second; the lag of a call is the time until every watcher has seen it. Memory per watcher is what the servers keep per open stream (socket, HTTP state and watch together): heap and buffers after a full collection, and the growth of the resident set (which adds native memory and garbage not yet returned). CPU is user + system time per ticket message delivered: the servers’ over the 5 rounds (one pass each, with the call-next that caused it) and over the sustained run, and the bench process’s over the rounds (reading and checking every message).',
    '',
    'The floor, in the same run with the same crowd and client code, is a plain Node TCP server (bench/raw-stream-server.mjs: no HTTP stack, no queue) writing the same event bytes with each watcher’s position, one string write per watcher per event: 5 rounds of one event to everyone, then a sustained run at the rate of events per watcher the embedded server’s passes reached. "× floor" is a server’s CPU per message over the floor’s in the same phase.',
    '',
    '| backend | nodes | watchers | call-next → all updated, ms (5 rounds) | call-next answered, ms | sustained lag p50 / max ms | bytes per watcher: heap after GC / resident | server CPU µs per message: rounds / sustained (× floor) | bench client CPU µs per message | streams dropped as too slow (reopened) |',
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  const us = (v: number | null, base: number | null | undefined): string =>
    v === null ? 'n/a' : base ? `${v} (${(v / base).toFixed(2)} ×)` : String(v);
  for (const r of rows)
    lines.push(
      `| ${r.combo} | ${r.nodes} | ${r.watchers.toLocaleString('en')} | ${r.callNextMs.join(', ')} | ${r.answeredMs.join(', ')} | ${r.sustained.p50LagMs} / ${r.sustained.maxLagMs} (${r.sustained.calls} calls in ${r.sustained.seconds} s, ${r.sustained.refused} refused) | ${r.bytesPerWatcher.toLocaleString('en')} (${r.bytesPerWatcherMoved.toLocaleString('en')} after the rounds) / ${r.rssPerWatcher.toLocaleString('en')} | ${us(r.rounds.serverUs, floor?.rounds.serverUs)} / ${us(r.cpuUsPerMessage, floor?.cpuUsPerMessage)} | ${r.rounds.clientUs ?? 'n/a'} | ${r.drops} |`,
    );
  if (floor)
    lines.push(
      `| floor: plain Node, raw socket writes | 1 | ${floor.watchers.toLocaleString('en')} | ${floor.roundsMs.join(', ')} | n/a | ${floor.p50LagMs} / ${floor.maxLagMs} (${floor.eventsPerSecond} events a second per watcher) | n/a | ${floor.rounds.serverUs ?? 'n/a'} / ${floor.cpuUsPerMessage ?? 'n/a'} | ${floor.rounds.clientUs ?? 'n/a'} | n/a |`,
    );
  lines.push('');
  return lines;
}

/** Target rows for the summary table. */
export function liveTargets({ rows }: LiveRows): string[] {
  const out: string[] = [];
  const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
  for (const r of rows) {
    const target = r.nodes > 1 ? 500 : 250;
    out.push(
      `| live: ${r.watchers.toLocaleString('en')} watchers, ${r.combo}, ${r.nodes} node(s), all updated < ${target} ms after every call-next | median ${median(r.callNextMs)} ms, worst ${Math.max(...r.callNextMs)} ms | ${verdict(Math.max(...r.callNextMs) < target)} |`,
      `| live: 10 call-next/s sustained, ${r.combo}: lag < 1 s, < 10 KB per watcher | max lag ${r.sustained.maxLagMs} ms, ${r.bytesPerWatcher.toLocaleString('en')} bytes | ${verdict(r.sustained.maxLagMs < 1000 && r.bytesPerWatcher < 10_240)} |`,
    );
  }
  return out;
}

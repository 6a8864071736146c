import { liveBench, type LiveFigures } from './live.js';

/** The live-update rows: embedded on one node, and PostgreSQL + Redis over two when configured. */
export async function liveRows(
  quick: boolean,
  shared: { pgUrl: string; redisUrl: string } | null,
): Promise<LiveFigures[]> {
  const watchers = quick ? 2_000 : 10_000;
  const opts = { watchers, rounds: 5, sustainSeconds: quick ? 5 : 30 };
  const out = [await liveBench('SQLite + in-process', {}, { ...opts, nodeCount: 1 })];
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
  return out;
}

const verdict = (ok: boolean): string => (ok ? 'met' : '**not met**');

/** The BENCHMARKS.md section, with the targets judged on this run's figures. */
export function liveLines(rows: readonly LiveFigures[]): string[] {
  const lines = [
    '## Live updates (event streams of one queue)',
    '',
    'Production servers in child processes; the watchers are plain HTTP streams opened from the bench process (which shares the 2 cores). A round is one call-next, timed from sending it until the last watcher has received its new position. The sustained run sends 10 call-next per second; the lag of a call is the time until every watcher has seen it. Memory per watcher is what the servers keep per open stream (socket, HTTP state and watch together): heap and buffers after a full collection, and the growth of the resident set (which adds native memory and garbage not yet returned). CPU is the servers’ user + system time per ticket message delivered in the sustained run.',
    '',
    '| backend | nodes | watchers | call-next → all updated, ms (5 rounds) | sustained lag p50 / max ms | bytes per watcher: heap after GC / resident | server CPU µs per message | streams dropped as too slow (reopened) |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const r of rows)
    lines.push(
      `| ${r.combo} | ${r.nodes} | ${r.watchers.toLocaleString('en')} | ${r.callNextMs.join(', ')} | ${r.sustained.p50LagMs} / ${r.sustained.maxLagMs} (${r.sustained.calls} calls in ${r.sustained.seconds} s, ${r.sustained.refused} refused) | ${r.bytesPerWatcher.toLocaleString('en')} / ${r.rssPerWatcher.toLocaleString('en')} | ${r.cpuUsPerMessage ?? 'n/a'} | ${r.drops} |`,
    );
  lines.push('');
  return lines;
}

/** Target rows for the summary table. */
export function liveTargets(rows: readonly LiveFigures[]): string[] {
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

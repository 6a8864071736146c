import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { httpBench, SURGE_CONNECTIONS, type HttpFigures } from './http.js';
import { httpLines, joinTarget, statusTarget } from './http-report.js';
import { outboxBench, outboxSection, type OutboxFigures } from './outbox.js';
import { liveLines, liveRows, liveTargets } from './live-report.js';
import { lookupScale, rebuildScale } from './scale.js';
import { surgeBench, surgeSection, type SurgeFigures } from './waiting-room.js';

const quick = process.argv.includes('--quick');
/** Hand-written analysis (profiles, bottlenecks) carried into every BENCHMARKS.md. */
const NOTES = 'bench/notes.md';
const seconds = quick ? 1 : 8;
const pgUrl = process.env.TEST_DATABASE_URL ?? process.env.BENCH_DATABASE_URL;
const redisUrl = process.env.TEST_REDIS_URL ?? process.env.BENCH_REDIS_URL;
const started = new Date();
const pgEnv = (name: string): Record<string, string> | null => {
  if (!pgUrl || !redisUrl) return null;
  const url = new URL(pgUrl);
  url.searchParams.set('schema', `${name}_${process.pid}`);
  return { DATABASE_URL: url.toString(), REDIS_URL: redisUrl, QK_REDIS_PREFIX: `${name}${process.pid}:` };
};

/** The outbox's rows on every backend this run can reach. */
async function outboxRows(): Promise<OutboxFigures[]> {
  const rows = [await outboxBench('SQLite + in-process', {}, seconds)];
  const pg = pgEnv('bench_outbox');
  if (pg) rows.push(await outboxBench('PostgreSQL + Redis', pg, seconds));
  return rows;
}

/** The waiting-room surge rows on every backend this run can reach. */
async function surgeRows(): Promise<SurgeFigures[]> {
  const joins = quick ? 5_000 : 50_000;
  const after = quick ? 2 : 10;
  const rows = [await surgeBench('SQLite + in-process', {}, joins, after)];
  const pg = pgEnv('bench_surge');
  if (pg) rows.push(await surgeBench('PostgreSQL + Redis', pg, joins, after));
  return rows;
}

/** The embedded backend's HTTP rows: bare route before and after, join, status and call-next. */
const embeddedHttp = (): Promise<HttpFigures> => httpBench('SQLite + in-process', {}, seconds, quick ? 10_000 : 60_000);

const sharedUrls = pgUrl && redisUrl ? { pgUrl, redisUrl } : null;

/** Sections that can run alone: `npm run bench -- --only <name>` prints one; BENCHMARKS.md is left as it is. */
const SECTIONS: Record<string, () => Promise<{ lines: string[]; rows: unknown }>> = {
  http: async () => {
    const h = await embeddedHttp();
    return {
      lines: [
        ...httpLines(h),
        '| target | measured in this run | verdict |',
        '|---|---|---|',
        joinTarget(h),
        statusTarget(h),
      ],
      rows: h,
    };
  },
  outbox: async () => {
    const rows = await outboxRows();
    return { lines: outboxSection(rows), rows };
  },
  live: async () => {
    const rows = await liveRows(quick, sharedUrls);
    return { lines: [...liveLines(rows), ...liveTargets(rows)], rows };
  },
  'waiting-room': async () => {
    const rows = await surgeRows();
    return { lines: surgeSection(rows), rows };
  },
};
const onlyArg = process.argv.find((a) => a.startsWith('--only'));
if (onlyArg) {
  const only = onlyArg.includes('=')
    ? onlyArg.slice('--only='.length)
    : process.argv[process.argv.indexOf(onlyArg) + 1];
  const section = only === undefined ? undefined : SECTIONS[only];
  if (!section) throw new Error(`--only knows ${Object.keys(SECTIONS).join(', ')}, not "${String(only)}"`);
  const { lines, rows } = await section();
  process.stdout.write(`${lines.join('\n')}\n${JSON.stringify(rows, null, 2)}\n`);
  process.exit(0);
}

const http: HttpFigures[] = [];
http.push(await embeddedHttp());
const sharedEnv = pgEnv('bench');
if (sharedEnv) http.push(await httpBench('PostgreSQL + Redis', sharedEnv, seconds, quick ? 3_000 : 15_000));
const outbox = await outboxRows();
const sizes = quick ? [10_000, 100_000] : [10_000, 100_000, 1_000_000];
const lookups = [];
for (const n of sizes) lookups.push(await lookupScale(n));
const rebuild = await rebuildScale(quick ? 100_000 : 1_000_000);
const surges = await surgeRows();
const live = await liveRows(quick, sharedUrls);

const lines = [
  '# Benchmarks',
  '',
  `Written by \`npm run bench${quick ? ' -- --quick' : ''}\` on ${started.toISOString()}.`,
  `Machine: ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown'}), ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}.`,
  `Load: autocannon in its own process on loopback, 32 connections, ${seconds} s per route ${quick ? 'without a warm-up (a smoke run: not figures to quote)' : `after an unmeasured warm-up of ${Math.max(1, Math.round(seconds / 4))} s on the same route`}. The server is the production build (\`bin/queuekeeper.js serve\`, LOG_LEVEL=warn, join rate limit off). Ratios are against the bare Fastify route measured in the same run, twice (before and after the queue routes, served by the same Node), taking the faster run so that a slow spell of this shared host cannot flatter a ratio. The CPU columns are user + system time per request over the measured run, read from /proc: the server process, and on PostgreSQL + Redis all PostgreSQL backends and the Redis server (which also serve anything else on this machine).`,
  '',
];
for (const h of http) lines.push(...httpLines(h));
lines.push(...outboxSection(outbox));
lines.push(
  '## Position lookup in the in-process index',
  '',
  '| waiting | p50 ms | p99 ms | max ms | wrong of 20,000 (vs reference rank) | bytes per waiting ticket, index structures (the id strings, ~16 + length bytes each, are counted apart) |',
  '|---|---|---|---|---|---|',
);
for (const l of lookups)
  lines.push(
    `| ${l.n.toLocaleString('en')} | ${l.p50Ms} | ${l.p99Ms} | ${l.maxMs} | ${l.wrongOf20000} | ${l.bytesPerTicket} |`,
  );
lines.push(
  '',
  '## Rebuild of the live index from SQLite',
  '',
  `${rebuild.n.toLocaleString('en')} waiting tickets: rebuild ${rebuild.rebuildMs} ms (read from the database and replace the index). Filling them took ${rebuild.fillMs} ms (${rebuild.fillPerSecond.toLocaleString('en')} tickets/s through the group-commit path).`,
  '',
);
lines.push(...surgeSection(surges));
lines.push(...liveLines(live));
const embedded = http[0] as HttpFigures;
const shared = http[1];
const big = lookups.at(-1);
const verdict = (ok: boolean): string => (ok ? 'met' : '**not met**');
lines.push('## Targets (issue: performance)', '', '| target | measured in this run | verdict |', '|---|---|---|');
lines.push(joinTarget(embedded), statusTarget(embedded));
if (shared)
  lines.push(
    `| join, PostgreSQL + Redis ≥ 10,000/s | ${shared.join.rps.toLocaleString('en')}/s at 32 connections; ${shared.joinSurge.rps.toLocaleString('en')}/s at ${SURGE_CONNECTIONS} | ${verdict(Math.max(shared.join.rps, shared.joinSurge.rps) >= 10_000)} |`,
  );
if (big)
  lines.push(
    `| position lookup p99 < 2 ms at ${big.n.toLocaleString('en')} waiting, exact | p99 ${big.p99Ms} ms, ${big.wrongOf20000} wrong | ${verdict(big.p99Ms < 2 && big.wrongOf20000 === 0)} |`,
  );
lines.push(
  `| rebuild < 10 s at ${rebuild.n.toLocaleString('en')} | ${(rebuild.rebuildMs / 1000).toFixed(2)} s | ${verdict(rebuild.rebuildMs < 10_000)} |`,
);
if (big)
  lines.push(
    `| memory < 300 bytes per waiting ticket (index structures) | ${big.bytesPerTicket} bytes at ${big.n.toLocaleString('en')} | ${verdict(big.bytesPerTicket < 300)} |`,
  );
lines.push(...liveTargets(live), '');
if (existsSync(NOTES)) lines.push(readFileSync(NOTES, 'utf8').trim(), '');
lines.push(
  '## Commands',
  '',
  '```',
  'npm ci',
  `npm run bench${quick ? ' -- --quick' : ''}`,
  '# one section alone, printed rather than written: npm run bench -- --only http (or outbox, waiting-room, live)',
  '# with PostgreSQL + Redis: TEST_DATABASE_URL=postgres://… TEST_REDIS_URL=redis://… npm run bench',
  '```',
  '',
);
writeFileSync('BENCHMARKS.md', lines.join('\n'));
process.stdout.write(`${JSON.stringify({ http, outbox, lookups, rebuild, surges, live }, null, 2)}\n`);

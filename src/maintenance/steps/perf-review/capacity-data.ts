import { diskPercent } from '../../../metrics/resources.js';
import type { StepContext } from '../../step.js';
import type { Finding } from '../../types.js';
import { Parts } from '../shared/measure.js';
import type { Point } from './forecast.js';
import { readSlices } from './history.js';
import { DAY_MS } from './settings.js';

/** One capacity series: daily history where it is stored, else the reading of now alone. */
export interface Series {
  readonly key: string;
  readonly title: string;
  readonly points: Point[];
  readonly limit: number | null;
  readonly limitSource: string;
  readonly history: 'daily' | 'current reading only';
  readonly current: number | null;
}

/** x of a UTC day relative to `today` (today = 0, yesterday = -1). */
const xOf = (day: string, today: Date): number =>
  Math.round((Date.parse(`${day}T00:00:00Z`) - today.getTime()) / DAY_MS);

/**
 * Daily history from what is stored: samples give each day's peak of waiting tickets, of req/s
 * (busiest minute, all nodes) and of memory; joins come from daily aggregates plus the tickets not
 * folded yet. Whole UTC days only, so a partial today does not look like a drop.
 */
export async function dailyHistory(ctx: StepContext, today: Date, days: number) {
  const slices = await readSlices(ctx, today, days);
  const sampled = slices.filter((s) => s.summary.sampleCount > 0);
  const at = (s: (typeof slices)[number]): number => xOf(s.day, today);
  const waiting: Point[] = sampled.map((s) => [at(s), s.peakWaiting as number]);
  const rps: Point[] = sampled
    .filter((s) => s.summary.observedPeakThroughput !== null)
    .map((s) => [at(s), s.summary.observedPeakThroughput as number]);
  const memory: Point[] = sampled.map((s) => [at(s), s.maxMemoryPercent as number]);

  const since = new Date(today.getTime() - days * DAY_MS);
  const joins = new Map<string, number>();
  for (const a of await ctx.store.maintenance.dailyAggregates(since.toISOString().slice(0, 10))) {
    if (a.day < today.toISOString().slice(0, 10)) joins.set(a.day, (joins.get(a.day) ?? 0) + a.joined);
  }
  for (const t of await ctx.store.admin.ticketsCreatedPerDay(since))
    if (t.day < today.toISOString().slice(0, 10)) joins.set(t.day, (joins.get(t.day) ?? 0) + t.count);
  // With every ticket counted, a day the server ran without a join is a real zero.
  for (const s of sampled) if (!joins.has(s.day)) joins.set(s.day, 0);
  const joinPoints: Point[] = [...joins].map(([day, n]): Point => [xOf(day, today), n]).sort((a, b) => a[0] - b[0]);
  return { waiting, rps, memory, joins: joinPoints };
}

export interface CurrentReadings {
  readonly databaseSizeBytes: number | null;
  readonly disk: { percent: number; freeBytes: number; totalBytes: number; dir: string } | null;
  readonly redisMemory: {
    usedBytes: number;
    limitBytes: number | null;
    limitSource: string;
    percent: number | null;
  } | null;
  /** Sum of the queues' capacities, when every queue has one: the most tickets that can wait. */
  readonly waitingCapacity: { total: number | null; reason: string | null };
}

/** Readings with no stored history: the database size, the data folder's disk, Redis memory. */
export async function currentReadings(ctx: StepContext, findings: Finding[]): Promise<CurrentReadings> {
  const parts = new Parts(ctx.signal, findings);
  const databaseSizeBytes = await parts.read('database size', () => ctx.store.admin.sizeBytes());
  const dir = ctx.config.dataDir;
  const disk = await parts.read(`disk use of ${dir}`, async () => ({ ...(await diskPercent(dir)), dir }));
  let redisMemory: CurrentReadings['redisMemory'] = null;
  if (ctx.live.kind === 'redis' && ctx.live.info) {
    const info = ctx.live.info;
    redisMemory = await parts.read('Redis memory', async () => {
      const m = await info('memory');
      const used = Number(m.used_memory);
      const max = Number(m.maxmemory ?? 0);
      const system = Number(m.total_system_memory ?? 0);
      // maxmemory 0 means no limit of Redis' own: the host's memory is then the ceiling.
      const limit = max > 0 ? max : system > 0 ? system : null;
      return {
        usedBytes: used,
        limitBytes: limit,
        limitSource: max > 0 ? 'maxmemory' : 'total_system_memory (maxmemory not set)',
        percent: limit ? Math.round((used / limit) * 1000) / 10 : null,
      };
    });
  }
  const queues = await parts.read('queue capacities', () => ctx.store.listQueues());
  let waitingCapacity: CurrentReadings['waitingCapacity'] = { total: null, reason: 'queues could not be read' };
  if (queues !== null) {
    const unlimited = queues.filter((q) => q.capacity === null).length;
    waitingCapacity =
      queues.length === 0
        ? { total: null, reason: 'no queues' }
        : unlimited > 0
          ? { total: null, reason: `${unlimited} of ${queues.length} queues have no capacity limit` }
          : { total: queues.reduce((n, q) => n + (q.capacity ?? 0), 0), reason: null };
  }
  return { databaseSizeBytes, disk, redisMemory, waitingCapacity };
}

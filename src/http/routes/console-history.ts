import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../runtime/context.js';
import type { DailyAggregate, MetricSample } from '../../store/maintenance-contract.js';
import { requireRole } from '../auth.js';
import { errors } from '../responses.js';

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
const num = z.number();
const series = z.array(num.nullable());

const historySchema = z
  .object({
    minutes: z
      .object({
        at: z.array(num).describe('Unix seconds, one point per minute that has a sample'),
        waiting: series.describe('Tickets waiting in every queue'),
        requests: series.describe('Requests served in the minute, all nodes'),
        p95Ms: series.describe('Response time p95 (the slowest node)'),
        cpuPercent: series.describe('CPU (the busiest node)'),
        memoryPercent: series.describe('Memory (the fullest node)'),
      })
      .describe('The metric samples every node stores once a minute'),
    days: z
      .object({
        day: z.array(z.string()),
        joined: series,
        served: series,
        avgWaitSeconds: series.describe('Mean wait of the tickets served that day, all queues'),
      })
      .describe('The daily roll-up of every queue'),
  })
  .describe('Stored history for the console charts');

type Minutes = z.infer<typeof historySchema>['minutes'];

/** Samples of every node folded into one point per minute: totals summed, the worst node otherwise. */
export function foldMinutes(samples: readonly MetricSample[]): Minutes {
  const by = new Map<number, MetricSample[]>();
  for (const s of samples) {
    const m = Math.floor(s.at.getTime() / MINUTE_MS);
    by.set(m, [...(by.get(m) ?? []), s]);
  }
  const out: Minutes = { at: [], waiting: [], requests: [], p95Ms: [], cpuPercent: [], memoryPercent: [] };
  const worst = (xs: (number | null)[]) => {
    const known = xs.filter((x): x is number => x !== null);
    return known.length ? Math.max(...known) : null;
  };
  for (const m of [...by.keys()].sort((a, b) => a - b)) {
    const g = by.get(m) as MetricSample[];
    out.at.push((m * MINUTE_MS) / 1000);
    out.waiting.push(worst(g.map((s) => s.waitingTotal)));
    out.requests.push(g.reduce((n, s) => n + s.requests, 0));
    out.p95Ms.push(worst(g.map((s) => s.p95Ms)));
    out.cpuPercent.push(worst(g.map((s) => s.cpuPercent)));
    out.memoryPercent.push(worst(g.map((s) => s.memoryPercent)));
  }
  return out;
}

function foldDays(rows: readonly DailyAggregate[]) {
  const by = new Map<string, DailyAggregate[]>();
  for (const r of rows) by.set(r.day, [...(by.get(r.day) ?? []), r]);
  const days = [...by.keys()].sort();
  const sum = (day: string, f: (r: DailyAggregate) => number) => (by.get(day) ?? []).reduce((n, r) => n + f(r), 0);
  return {
    day: days,
    joined: days.map((d) => sum(d, (r) => r.joined)),
    served: days.map((d) => sum(d, (r) => r.served)),
    avgWaitSeconds: days.map((d) => {
      const rs = (by.get(d) ?? []).filter((r) => r.avgWaitSeconds !== null && r.served > 0);
      const served = rs.reduce((n, r) => n + r.served, 0);
      return served ? rs.reduce((n, r) => n + (r.avgWaitSeconds as number) * r.served, 0) / served : null;
    }),
  };
}

/** What the console's charts draw, from what the store already keeps (samples and daily roll-ups). */
export function consoleHistoryRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/api/console/history',
      {
        preHandler: requireRole(ctx.auth, ['admin', 'operator']),
        schema: {
          tags: ['operators'],
          security: [{ bearer: [] }],
          summary:
            'Stored history for charts: per-minute samples of the last `hours`, daily roll-ups of the last `days`',
          querystring: z
            .object({
              hours: z.coerce.number().int().min(1).max(168).default(24),
              days: z.coerce.number().int().min(1).max(366).default(30),
            })
            .strict(),
          response: { 200: historySchema, ...errors(400, 401, 403, 503) },
        },
      },
      async (req) => {
        const now = Date.now();
        const since = new Date(now - req.query.hours * 3_600_000);
        const firstDay = new Date(now - req.query.days * DAY_MS).toISOString().slice(0, 10);
        const [samples, daily] = await Promise.all([
          ctx.store.maintenance.samplesSince(since),
          ctx.store.maintenance.dailyAggregates(firstDay),
        ]);
        return { minutes: foldMinutes(samples), days: foldDays(daily) };
      },
    );
  };
}

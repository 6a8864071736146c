import { measureCpu } from '../../../metrics/resources.js';
import type { MetricSample } from '../../../store/maintenance-contract.js';
import { statusFrom, type Step, type StepContext } from '../../step.js';
import type { Finding } from '../../types.js';
import { errorText } from '../shared/measure.js';
import { errorOf, refreshStatistics } from './actions.js';
import { readSlices, windowOf, WINDOW_METHOD, type WindowFigures } from './history.js';
import { round2, settingsOf, type PerfReviewSettings, type SlowQueriesResult } from './settings.js';

const WEEK_DAYS = 7;
/** The daily performance step's rule: averages over fewer sampled minutes are reported, not judged. */
const MIN_AVERAGE_MINUTES = 60;

/** Per-minute readings of one resource over the window: mean, worst, and minutes over its limit. */
class Tally {
  private n = 0;
  private sum = 0;
  private max = 0;
  private over = 0;
  constructor(readonly limit: number) {}
  add(v: number): void {
    this.n++;
    this.sum += v;
    this.max = Math.max(this.max, v);
    if (v >= this.limit) this.over++;
  }
  get figure() {
    if (this.n === 0) return null;
    return {
      average: round2(this.sum / this.n),
      worst: this.max,
      limit: this.limit,
      minutesOver: this.over,
      minutesOverPercent: round2((this.over / this.n) * 100),
    };
  }
}

/**
 * Weekly step: the slowest routes of the last 7 days (request-weighted from the stored samples),
 * the slowest statements where PostgreSQL's pg_stat_statements can tell, event-loop lag, CPU and
 * memory, each turned into a concrete recommendation when over its limit. The only action taken
 * is a statistics refresh; anything else is for a person to decide.
 */
export const performanceOptimization: Step = async (ctx) => {
  const s = settingsOf(ctx);
  const th = ctx.config.maintenance.thresholds;
  const findings: Finding[] = [];
  const now = ctx.now();
  const lag = new Tally(s.maxEventLoopLagMs);
  const cpu = new Tally(th.maxCpuPercent);
  const mem = new Tally(th.maxMemoryPercent);
  const visit = (x: MetricSample): void => {
    lag.add(x.eventLoopLagP99Ms);
    cpu.add(x.cpuPercent);
    mem.add(x.memoryPercent);
  };

  let w: WindowFigures | null = null;
  try {
    w = windowOf(await readSlices(ctx, now, WEEK_DAYS, visit));
    if (w.sampleCount === 0)
      findings.push({
        severity: 'warning',
        message:
          'no metric samples in the last 7 days (was the server running?): routes, lag, CPU and memory not measured',
      });
  } catch (e) {
    findings.push({ severity: 'error', message: `metric samples could not be read: ${errorText(e)}` });
  }
  const totalMs = w?.routes.reduce((n, r) => n + r.count * r.avgMs, 0) ?? 0;
  const slowestRoutes = (w?.routes ?? []).slice(0, s.slowestRoutes).map((r) => ({
    ...r,
    totalSeconds: round2((r.count * r.avgMs) / 1000),
    timeSharePercent: totalMs > 0 ? round2(((r.count * r.avgMs) / totalMs) * 100) : null,
  }));
  // maxCpuPercent is about queuekeeper's own CPU; the samples hold the host's, which other
  // programs share, so the threshold is judged on a reading of this process now.
  let processCpuPercent: number | null = null;
  try {
    processCpuPercent = (await measureCpu(500)).process;
  } catch (e) {
    findings.push({ severity: 'warning', message: `queuekeeper's CPU use not measured: ${errorText(e)}` });
  }
  const minutesCovered = w?.minutesCovered ?? 0;
  const judged = minutesCovered >= MIN_AVERAGE_MINUTES;
  if (w !== null && w.sampleCount > 0 && !judged)
    findings.push({
      severity: 'info',
      message: `7-day averages rest on ${w.sampleCount} samples over ${minutesCovered} minutes: not judged below ${MIN_AVERAGE_MINUTES} minutes`,
    });
  const recommendations = [
    ...routeAdvice(w, s, th.maxP95ResponseMs, th.maxAverageResponseMs),
    ...cpuAdvice(processCpuPercent, th.maxCpuPercent),
    ...(judged ? resourceAdvice(lag, cpu, mem, s) : []),
  ];
  findings.push(...recommendations);

  const slowQueries = await readSlowQueries(ctx, s);
  if (!slowQueries.available)
    findings.push({ severity: 'info', message: `slow queries: ${slowQueries.reason ?? 'not available'}` });
  for (const q of slowQueries.rows.filter((r) => r.meanMs >= s.slowQueryMs)) {
    findings.push({
      severity: 'warning',
      message: `query takes ${q.meanMs} ms on average over ${q.calls} calls (limit ${s.slowQueryMs} ms): check its plan with EXPLAIN ANALYZE and the indexes it uses: ${q.query}`,
    });
  }

  const stats = await refreshStatistics(ctx, findings);
  return {
    status: statusFrom(findings),
    figures: {
      window: w === null ? null : { from: w.from, to: w.to },
      sampleCount: w?.sampleCount ?? null,
      requestsCounted: w?.requestsCounted ?? null,
      averageResponseTimeMs: w?.averageResponseTimeMs ?? null,
      p95ResponseTimeMs: w?.p95ResponseTimeMs ?? null,
      slowestRoutes,
      eventLoopLagP99Ms: lag.figure,
      cpuPercent: cpu.figure,
      processCpuPercent,
      memoryPercent: mem.figure,
      averagesBasis: w === null ? null : { samples: w.sampleCount, minutesCovered, judged },
      slowQueries,
      recommendations: recommendations.map((f) => f.message),
      actionsApplied: stats === null ? [] : [stats],
      method: {
        ...WINDOW_METHOD,
        cpu: "cpuPercent is the whole host's, from the samples, and never calls for a node; processCpuPercent is queuekeeper's own, in percent of one core, read now, and is what maxCpuPercent judges",
      },
    },
    findings,
    error: errorOf(findings),
  };
};

function routeAdvice(w: WindowFigures | null, s: PerfReviewSettings, maxP95: number, maxAvg: number): Finding[] {
  const out: Finding[] = [];
  for (const r of w?.routes ?? []) {
    const over = [
      r.p95Ms > maxP95 ? `p95 ${r.p95Ms} ms is over the ${maxP95} ms threshold` : null,
      r.avgMs > maxAvg ? `average ${r.avgMs} ms is over the ${maxAvg} ms threshold` : null,
    ].filter(Boolean);
    if (over.length === 0) continue;
    // A handful of slow requests is worth knowing about, not worth a warning.
    const severity = r.count >= s.minRequests ? 'warning' : 'info';
    out.push({
      severity,
      message: `${r.route}: ${over.join('; ')} over ${r.count} requests in 7 days (slowest minute ${r.worstP95Ms} ms): look at its database calls and payload size, and add an index or a cache where one call repeats`,
    });
  }
  return out;
}

function resourceAdvice(lag: Tally, cpu: Tally, mem: Tally, s: PerfReviewSettings): Finding[] {
  const out: Finding[] = [];
  const busy = (t: Tally) => {
    const f = t.figure;
    return f !== null && (f.average >= f.limit || f.minutesOverPercent > s.overLimitMinutesPercent) ? f : null;
  };
  const l = busy(lag);
  if (l)
    out.push({
      severity: 'warning',
      message: `event-loop lag p99 averaged ${l.average} ms (worst ${l.worst} ms; ${l.minutesOverPercent} % of minutes at or over ${l.limit} ms): synchronous work blocks every request; move heavy JSON, crypto or sorting off the request path`,
    });
  const c = busy(cpu);
  if (c)
    out.push({
      severity: 'info',
      message: `host CPU averaged ${c.average} % (worst ${c.worst} %; ${c.minutesOverPercent} % of minutes at or over ${c.limit} %): that is the whole machine, shared with other programs; queuekeeper's own use is processCpuPercent`,
    });
  const m = busy(mem);
  if (m)
    out.push({
      severity: 'warning',
      message: `memory averaged ${m.average} % (worst ${m.worst} %; ${m.minutesOverPercent} % of minutes at or over ${m.limit} %): raise the memory limit or look for growth in caches and open connections`,
    });
  return out;
}

function cpuAdvice(processCpu: number | null, limit: number): Finding[] {
  if (processCpu === null || processCpu < limit) return [];
  return [
    {
      severity: 'warning',
      message: `queuekeeper's own CPU use now ${processCpu} % of one core (limit ${limit} %): add a node behind the load balancer or move work off the event loop`,
    },
  ];
}

async function readSlowQueries(ctx: StepContext, s: PerfReviewSettings): Promise<SlowQueriesResult> {
  try {
    return await ctx.store.admin.slowQueries(s.slowQueryLimit, s.slowQueryMinCalls);
  } catch (e) {
    return { available: false, reason: `not available: ${errorText(e)}`, rows: [] };
  }
}

import type { MetricSample } from '../../../store/maintenance-contract.js';

/**
 * Routes left out of the request figures: load balancers poll them, and this step's own throughput
 * probe sends thousands of `GET /health/live` a day, which would otherwise swamp the average,
 * pull the p95 down and set the "observed peak".
 */
const EXCLUDED_ROUTES: ReadonlySet<string> = new Set(['GET /health/live', 'GET /health/ready', 'GET /metrics']);

/** The sampler drains its window once a minute (src/metrics/sampler.ts), so a sample covers 60 s. */
const SAMPLE_INTERVAL_MS = 60_000;

export interface RouteFigure {
  readonly route: string;
  readonly count: number;
  readonly avgMs: number;
  /** Request-weighted mean of the route's per-minute p95. */
  readonly p95Ms: number;
  /** The route's slowest minute. */
  readonly worstP95Ms: number;
}

export interface SampleFigures {
  readonly sampleCount: number;
  /** Distinct minutes holding at least one sample: what a "24 h" average really covers. */
  readonly minutesCovered: number;
  readonly nodes: number;
  readonly requestsCounted: number;
  readonly requestsExcluded: number;
  readonly averageResponseTimeMs: number | null;
  readonly p95ResponseTimeMs: number | null;
  readonly worstSampleP95Ms: number | null;
  readonly observedPeakThroughput: number | null;
  readonly observedPeakAt: string | null;
  readonly cpuUsageAvg: number | null;
  readonly memoryUsageAvg: number | null;
  readonly routes: RouteFigure[];
}

/** How the figures are derived, stored with them so a reader of a report need not guess. */
export const METHOD = {
  averageResponseTimeMs: 'request-weighted mean of per-minute, per-route averages; health and metrics routes excluded',
  p95ResponseTimeMs:
    'request-weighted mean of per-minute, per-route p95 (p95s cannot be merged exactly); worstSampleP95Ms is the slowest route-minute',
  observedPeakThroughput:
    'busiest minute, requests of all nodes summed, divided by 60 s; health and metrics routes excluded',
  latency: 'long-polls, event streams and the self-probe are not in any latency figure',
  cpuUsage:
    "the whole machine's CPU over 500 ms; processCpuUsage is queuekeeper's own, in percent of one core, and is what the threshold judges",
  averages24h: 'mean of the one-minute samples; judged only when they cover at least 60 minutes (averagesBasis)',
  diskUsage: "used / (used + available) of the data folder's file system, as df reports it",
} as const;

const round2 = (n: number): number => Math.round(n * 100) / 100;

/** Per-route entries of one sample; a sample written without routes counts as one summary route. */
function routesOf(s: MetricSample): [string, { count: number; avgMs: number; p95Ms: number }][] {
  const entries = Object.entries(s.routes ?? {});
  if (entries.length > 0 || s.requests === 0 || s.avgMs === null) return entries;
  return [['(all routes)', { count: s.requests, avgMs: s.avgMs, p95Ms: s.p95Ms ?? s.avgMs }]];
}

export function summariseSamples(samples: readonly MetricSample[]): SampleFigures {
  const perRoute = new Map<string, { count: number; sumMs: number; p95Sum: number; worst: number }>();
  const perMinute = new Map<number, number>();
  let counted = 0;
  let excluded = 0;
  let sumMs = 0;
  let p95Sum = 0;
  for (const s of samples) {
    for (const [route, r] of routesOf(s)) {
      if (!(r.count > 0)) continue;
      if (EXCLUDED_ROUTES.has(route)) {
        excluded += r.count;
        continue;
      }
      counted += r.count;
      sumMs += r.avgMs * r.count;
      p95Sum += r.p95Ms * r.count;
      const agg = perRoute.get(route) ?? { count: 0, sumMs: 0, p95Sum: 0, worst: 0 };
      agg.count += r.count;
      agg.sumMs += r.avgMs * r.count;
      agg.p95Sum += r.p95Ms * r.count;
      agg.worst = Math.max(agg.worst, r.p95Ms);
      perRoute.set(route, agg);
      const minute = Math.floor(s.at.getTime() / SAMPLE_INTERVAL_MS);
      perMinute.set(minute, (perMinute.get(minute) ?? 0) + r.count);
    }
  }
  let peak: [number, number] | null = null;
  for (const [minute, n] of perMinute) if (peak === null || n > peak[1]) peak = [minute, n];
  const worst = perRoute.size === 0 ? null : Math.max(...[...perRoute.values()].map((a) => a.worst));
  const mean = (pick: (s: MetricSample) => number): number | null =>
    samples.length === 0 ? null : round2(samples.reduce((n, s) => n + pick(s), 0) / samples.length);
  return {
    sampleCount: samples.length,
    minutesCovered: new Set(samples.map((s) => Math.floor(s.at.getTime() / SAMPLE_INTERVAL_MS))).size,
    nodes: new Set(samples.map((s) => s.nodeId)).size,
    requestsCounted: counted,
    requestsExcluded: excluded,
    averageResponseTimeMs: counted > 0 ? round2(sumMs / counted) : null,
    p95ResponseTimeMs: counted > 0 ? round2(p95Sum / counted) : null,
    worstSampleP95Ms: worst,
    observedPeakThroughput: peak === null ? null : round2(peak[1] / (SAMPLE_INTERVAL_MS / 1000)),
    observedPeakAt: peak === null ? null : new Date(peak[0] * SAMPLE_INTERVAL_MS).toISOString(),
    cpuUsageAvg: mean((s) => s.cpuPercent),
    memoryUsageAvg: mean((s) => s.memoryPercent),
    routes: [...perRoute]
      .map(([route, a]) => ({
        route,
        count: a.count,
        avgMs: round2(a.sumMs / a.count),
        p95Ms: round2(a.p95Sum / a.count),
        worstP95Ms: a.worst,
      }))
      .sort((a, b) => b.p95Ms - a.p95Ms),
  };
}

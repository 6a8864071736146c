import type { MetricSample } from '../../../store/maintenance-contract.js';
import { round2, RouteTimes, type RouteFigure } from './route-times.js';

/**
 * Routes left out of the request figures: load balancers poll them, and this step's own throughput
 * probe sends thousands of `GET /health/live` a day, which would otherwise swamp the average,
 * pull the p95 down and set the "observed peak".
 */
const EXCLUDED_ROUTES: ReadonlySet<string> = new Set(['GET /health/live', 'GET /health/ready', 'GET /metrics']);

/** The sampler drains its window once a minute (src/metrics/sampler.ts), so a sample covers 60 s. */
const SAMPLE_INTERVAL_MS = 60_000;

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

/** Per-route entries of one sample; a sample written without routes counts as one summary route. */
function routesOf(s: MetricSample): [string, { count: number; avgMs: number; p95Ms: number }][] {
  const entries = Object.entries(s.routes ?? {});
  if (entries.length > 0 || s.requests === 0 || s.avgMs === null) return entries;
  return [['(all routes)', { count: s.requests, avgMs: s.avgMs, p95Ms: s.p95Ms ?? s.avgMs }]];
}

export function summariseSamples(samples: readonly MetricSample[]): SampleFigures {
  const times = new RouteTimes();
  const perMinute = new Map<number, number>();
  let excluded = 0;
  for (const s of samples) {
    for (const [route, r] of routesOf(s)) {
      if (!(r.count > 0)) continue;
      if (EXCLUDED_ROUTES.has(route)) {
        excluded += r.count;
        continue;
      }
      times.add(route, r.count, r.avgMs, r.p95Ms);
      const minute = Math.floor(s.at.getTime() / SAMPLE_INTERVAL_MS);
      perMinute.set(minute, (perMinute.get(minute) ?? 0) + r.count);
    }
  }
  let peak: [number, number] | null = null;
  for (const [minute, n] of perMinute) if (peak === null || n > peak[1]) peak = [minute, n];
  const mean = (pick: (s: MetricSample) => number): number | null =>
    samples.length === 0 ? null : round2(samples.reduce((n, s) => n + pick(s), 0) / samples.length);
  return {
    sampleCount: samples.length,
    minutesCovered: new Set(samples.map((s) => Math.floor(s.at.getTime() / SAMPLE_INTERVAL_MS))).size,
    nodes: new Set(samples.map((s) => s.nodeId)).size,
    requestsCounted: times.requests,
    requestsExcluded: excluded,
    averageResponseTimeMs: times.averageMs,
    p95ResponseTimeMs: times.p95Ms,
    worstSampleP95Ms: times.worstMs,
    observedPeakThroughput: peak === null ? null : round2(peak[1] / (SAMPLE_INTERVAL_MS / 1000)),
    observedPeakAt: peak === null ? null : new Date(peak[0] * SAMPLE_INTERVAL_MS).toISOString(),
    cpuUsageAvg: mean((s) => s.cpuPercent),
    memoryUsageAvg: mean((s) => s.memoryPercent),
    routes: times.figures(),
  };
}

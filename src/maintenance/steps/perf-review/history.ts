import type { MetricSample } from '../../../store/maintenance-contract.js';
import type { StepContext } from '../../step.js';
import { RouteTimes, summariseSamples, type RouteFigure, type SampleFigures } from '../performance/index.js';
import { DAY_MS, round2 } from './settings.js';

/**
 * Stored samples, read one day at a time and reduced at once, so that a quarter of per-minute
 * samples (with their per-route JSON) is never in memory together. The reduction is the daily
 * performance step's own `summariseSamples`, so the routes left out and the weighting are the same.
 */
export interface Slice {
  readonly start: Date;
  /** UTC date of the slice's start. */
  readonly day: string;
  readonly summary: SampleFigures;
  /** Requests and errors of every route, health routes included: the samples do not keep errors per route. */
  readonly requestsAll: number;
  readonly errors: number;
  /** Each sample's waiting count is the cluster's total, so the day's peak is a max, not a sum. */
  readonly peakWaiting: number | null;
  readonly maxMemoryPercent: number | null;
}

/** `count` slices of one day each, ending at `end`, oldest first. `visit` sees every sample. */
export async function readSlices(
  ctx: StepContext,
  end: Date,
  count: number,
  visit?: (s: MetricSample) => void,
): Promise<Slice[]> {
  const slices: Slice[] = [];
  for (let i = count; i >= 1; i--) {
    ctx.signal.throwIfAborted();
    const start = new Date(end.getTime() - i * DAY_MS);
    const samples = await ctx.store.maintenance.samplesSince(start, new Date(start.getTime() + DAY_MS));
    if (visit) for (const s of samples) visit(s);
    slices.push({
      start,
      day: start.toISOString().slice(0, 10),
      summary: summariseSamples(samples),
      requestsAll: samples.reduce((n, s) => n + s.requests, 0),
      errors: samples.reduce((n, s) => n + s.errors, 0),
      peakWaiting: samples.length === 0 ? null : Math.max(...samples.map((s) => s.waitingTotal)),
      maxMemoryPercent: samples.length === 0 ? null : Math.max(...samples.map((s) => s.memoryPercent)),
    });
  }
  return slices;
}

export interface WindowRoute extends RouteFigure {
  /** Mean requests per second over the minutes the samples cover, not the whole window. */
  readonly throughput: number;
}

export interface WindowFigures {
  readonly from: string;
  readonly to: string;
  readonly days: number;
  readonly sampleCount: number;
  /** Distinct minutes with a sample: what the window's figures rest on. */
  readonly minutesCovered: number;
  readonly requestsCounted: number;
  readonly averageResponseTimeMs: number | null;
  readonly p95ResponseTimeMs: number | null;
  readonly throughput: number | null;
  readonly peakThroughput: number | null;
  readonly errorRatePercent: number | null;
  readonly routes: WindowRoute[];
}

/** Small rates (a few requests a day) would round to 0 with fixed decimals. */
const sig4 = (n: number): number => Number(n.toPrecision(4));

/** Merges day slices into one window: request-weighted, like `summariseSamples` over the whole span. */
export function windowOf(slices: readonly Slice[]): WindowFigures {
  // Rates are over the time the samples cover: 15 minutes of traffic in a 7-day window is that
  // traffic's rate, not a 672th of it.
  const minutesCovered = slices.reduce((n, s) => n + s.summary.minutesCovered, 0);
  const seconds = minutesCovered * 60;
  const times = new RouteTimes();
  for (const s of slices) for (const r of s.summary.routes) times.add(r.route, r.count, r.avgMs, r.p95Ms, r.worstP95Ms);
  const requestsAll = slices.reduce((n, s) => n + s.requestsAll, 0);
  const peaks = slices.map((s) => s.summary.observedPeakThroughput).filter((v): v is number => v !== null);
  const first = slices[0]?.start ?? new Date(0);
  return {
    from: first.toISOString(),
    to: new Date(first.getTime() + slices.length * DAY_MS).toISOString(),
    days: slices.length,
    sampleCount: slices.reduce((n, s) => n + s.summary.sampleCount, 0),
    minutesCovered,
    requestsCounted: times.requests,
    averageResponseTimeMs: times.averageMs,
    p95ResponseTimeMs: times.p95Ms,
    throughput: times.requests > 0 && seconds > 0 ? sig4(times.requests / seconds) : null,
    peakThroughput: peaks.length > 0 ? Math.max(...peaks) : null,
    errorRatePercent: requestsAll > 0 ? round2((slices.reduce((n, s) => n + s.errors, 0) / requestsAll) * 100) : null,
    routes: times.figures().map((r) => ({ ...r, throughput: seconds > 0 ? sig4(r.count / seconds) : 0 })),
  };
}

/** How the window figures are derived, stored beside them. */
export const WINDOW_METHOD = {
  samples: 'stored per-minute samples of every node, read one 24 h slice at a time; health and metrics routes excluded',
  p95: 'request-weighted mean of per-minute, per-route p95 (p95s cannot be merged exactly)',
  throughput:
    'requests counted in the window divided by the minutes its samples cover (mean req/s while sampled, minutesCovered); peakThroughput is the busiest minute',
  errorRatePercent: 'errors of every route over requests of every route (errors are not stored per route)',
} as const;

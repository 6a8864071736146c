import { percentile } from './percentile.js';

/** The maintenance self-probe's user agent: its requests measure capacity, not what users waited. */
export const PROBE_USER_AGENT = 'queuekeeper-throughput-probe';

/** Long-polls: the client asks the server to hold the answer, so the duration is the client's choice. */
const WAITING_ROUTES: ReadonlySet<string> = new Set(['GET /api/maintenance/runs/:id/wait']);

/**
 * Whether a request's duration is latency a user felt. Long-polls and event streams stay open on
 * purpose and the maintenance self-probe measures capacity: none of them enters a latency figure
 * (the samples, `/metrics` durations, the log analysis's slow routes; docs/maintenance.md).
 * `contentType` catches an event stream on a route not named here; log lines carry no content
 * type, so event-stream routes are also known by their `/events` path.
 */
export function isUserLatency(method: string, route: string, userAgent?: string, contentType?: unknown): boolean {
  if (userAgent === PROBE_USER_AGENT) return false;
  if (typeof contentType === 'string' && contentType.startsWith('text/event-stream')) return false;
  return !WAITING_ROUTES.has(`${method} ${route}`) && !route.endsWith('/events');
}

/** Per-route latencies of the current minute, for the stored samples. Bounded per route. */
const RESERVOIR = 4096;

interface RouteWindow {
  count: number;
  sumMs: number;
  errors: number;
  /** A uniform sample of this minute's durations (reservoir sampling keeps memory bounded). */
  sample: number[];
}

export interface WindowSummary {
  readonly requests: number;
  readonly errors: number;
  readonly avgMs: number | null;
  readonly p95Ms: number | null;
  readonly p99Ms: number | null;
  readonly routes: Record<string, { count: number; avgMs: number; p95Ms: number }>;
}

export class LatencyWindow {
  private routes = new Map<string, RouteWindow>();

  record(route: string, ms: number, isError: boolean): void {
    let w = this.routes.get(route);
    if (!w) this.routes.set(route, (w = { count: 0, sumMs: 0, errors: 0, sample: [] }));
    w.count += 1;
    w.sumMs += ms;
    if (isError) w.errors += 1;
    if (w.sample.length < RESERVOIR) w.sample.push(ms);
    else {
      const j = Math.floor(Math.random() * w.count);
      if (j < RESERVOIR) w.sample[j] = ms;
    }
  }

  /** Summarises and resets the window. */
  drain(): WindowSummary {
    const routes: WindowSummary['routes'] = {};
    let requests = 0;
    let errors = 0;
    let sum = 0;
    const all: number[] = [];
    for (const [name, w] of this.routes) {
      requests += w.count;
      errors += w.errors;
      sum += w.sumMs;
      all.push(...w.sample);
      routes[name] = {
        count: w.count,
        avgMs: round2(w.sumMs / w.count),
        p95Ms: round2(percentile(w.sample, 0.95) ?? 0),
      };
    }
    this.routes = new Map();
    return {
      requests,
      errors,
      avgMs: requests > 0 ? round2(sum / requests) : null,
      p95Ms: nullable(percentile(all, 0.95)),
      p99Ms: nullable(percentile(all, 0.99)),
      routes,
    };
  }
}

const round2 = (n: number): number => Math.round(n * 100) / 100;
const nullable = (n: number | null): number | null => (n === null ? null : round2(n));

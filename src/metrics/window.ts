/** The maintenance self-probe's user agent: its requests measure capacity, not what users waited. */
export const PROBE_USER_AGENT = 'queuekeeper-throughput-probe';

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
      routes[name] = { count: w.count, avgMs: round2(w.sumMs / w.count), p95Ms: round2(quantile(w.sample, 0.95)) };
    }
    this.routes = new Map();
    return {
      requests,
      errors,
      avgMs: requests > 0 ? round2(sum / requests) : null,
      p95Ms: all.length > 0 ? round2(quantile(all, 0.95)) : null,
      p99Ms: all.length > 0 ? round2(quantile(all, 0.99)) : null,
      routes,
    };
  }
}

export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] as number;
}

const round2 = (n: number): number => Math.round(n * 100) / 100;

export const round2 = (n: number): number => Math.round(n * 100) / 100;

export interface RouteFigure {
  readonly route: string;
  readonly count: number;
  readonly avgMs: number;
  /** Request-weighted mean of the route's per-minute p95. */
  readonly p95Ms: number;
  /** The route's slowest minute. */
  readonly worstP95Ms: number;
}

interface Weighted {
  count: number;
  sumMs: number;
  p95Sum: number;
  worst: number;
}

const none = (): Weighted => ({ count: 0, sumMs: 0, p95Sum: 0, worst: 0 });

function add(into: Weighted, count: number, avgMs: number, p95Ms: number, worstMs: number): void {
  into.count += count;
  into.sumMs += avgMs * count;
  into.p95Sum += p95Ms * count;
  into.worst = Math.max(into.worst, worstMs);
}

/**
 * Response times weighted by requests: a minute's average or p95 counts as often as the requests
 * behind it, over all routes and per route. The daily performance step and the review of past
 * quarters both reduce their samples here, so that their figures compare.
 */
export class RouteTimes {
  private readonly all = none();
  private readonly routes = new Map<string, Weighted>();

  /** `worstMs` is the slowest minute behind the figures; for one minute, its p95. */
  add(route: string, count: number, avgMs: number, p95Ms: number, worstMs = p95Ms): void {
    add(this.all, count, avgMs, p95Ms, worstMs);
    const r = this.routes.get(route) ?? none();
    add(r, count, avgMs, p95Ms, worstMs);
    this.routes.set(route, r);
  }

  get requests(): number {
    return this.all.count;
  }

  get averageMs(): number | null {
    return this.all.count > 0 ? round2(this.all.sumMs / this.all.count) : null;
  }

  get p95Ms(): number | null {
    return this.all.count > 0 ? round2(this.all.p95Sum / this.all.count) : null;
  }

  /** The slowest route-minute; null with no request. */
  get worstMs(): number | null {
    return this.all.count > 0 ? this.all.worst : null;
  }

  /** One figure per route, the slowest p95 first. */
  figures(): RouteFigure[] {
    return [...this.routes]
      .map(([route, a]) => ({
        route,
        count: a.count,
        avgMs: round2(a.sumMs / a.count),
        p95Ms: round2(a.p95Sum / a.count),
        worstP95Ms: a.worst,
      }))
      .sort((a, b) => b.p95Ms - a.p95Ms);
  }
}

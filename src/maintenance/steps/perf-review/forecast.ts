import { linearRegression, linearRegressionLine, rSquared } from 'simple-statistics';
import type { PerfReviewSettings } from './settings.js';

/** [day relative to today (today = 0, yesterday = -1), value]. */
export type Point = readonly [number, number];

interface Forecast {
  readonly status: 'forecast' | 'skipped';
  /** Why there is no forecast ("insufficient history: 3 days"), when skipped. */
  readonly reason: string | null;
  readonly days: number;
  readonly model: 'linear' | 'holt' | null;
  readonly slopePerDay: number | null;
  /** Of the model's fit to the history: the regression line, or Holt's one-step-ahead forecasts. */
  readonly r2: number | null;
  readonly firstHalfSlope: number | null;
  readonly secondHalfSlope: number | null;
  readonly trendChanged: boolean | null;
  readonly holt: { readonly alpha: number; readonly beta: number } | null;
  readonly valueNow: number | null;
  readonly valueIn30Days: number | null;
  readonly valueIn90Days: number | null;
  readonly limit: number | null;
  readonly daysUntilLimit: number | null;
  readonly daysUntilLimitReason: string | null;
}

/** The figures, and the model's value at a day relative to today (for charts; not a figure). */
export interface Fit {
  readonly forecast: Forecast;
  readonly at: ((x: number) => number) | null;
}

const r4 = (n: number): number => Math.round(n * 1e4) / 1e4;

/** Holt's linear method: level and trend smoothed by α and β; `fitted[i]` is the forecast made for i one step before. */
export function holt(
  values: readonly number[],
  alpha: number,
  beta: number,
): { level: number; trend: number; fitted: number[]; sse: number } {
  if (values.length < 2) throw new RangeError('Holt needs at least two values');
  let level = values[0] as number;
  let trend = (values[1] as number) - level;
  const fitted = [level];
  let sse = 0;
  for (let i = 1; i < values.length; i++) {
    const y = values[i] as number;
    const f = level + trend;
    fitted.push(f);
    // The first step's forecast equals y by construction of the initial trend: not an error.
    if (i >= 2) sse += (y - f) ** 2;
    const next = alpha * y + (1 - alpha) * f;
    trend = beta * (next - level) + (1 - beta) * trend;
    level = next;
  }
  return { level, trend, fitted, sse };
}

/** α and β from a coarse grid by the least one-step-ahead squared error: no optimiser to tune. */
export function fitHolt(values: readonly number[]): ReturnType<typeof holt> & { alpha: number; beta: number } {
  let best: (ReturnType<typeof holt> & { alpha: number; beta: number }) | null = null;
  for (let a = 1; a <= 9; a++) {
    for (let b = 1; b <= 9; b++) {
      const h = holt(values, a / 10, b / 10);
      if (best === null || h.sse < best.sse) best = { ...h, alpha: a / 10, beta: b / 10 };
    }
  }
  return best as NonNullable<typeof best>;
}

type Opts = Pick<PerfReviewSettings, 'minHistoryDays' | 'holtMinDays' | 'trendChangeRatio'>;

/**
 * Fits the history with a regression line; with enough days and a trend that changed between the
 * first and the second half, with Holt's method instead, since one straight line through both
 * halves would understate the recent trend. Fewer than `minHistoryDays` points: no forecast.
 */
export function forecast(points: readonly Point[], limit: number | null, o: Opts): Fit {
  const pts = [...points].sort((a, b) => a[0] - b[0]);
  const n = pts.length;
  const none = {
    model: null,
    slopePerDay: null,
    r2: null,
    firstHalfSlope: null,
    secondHalfSlope: null,
    trendChanged: null,
    holt: null,
    valueNow: null,
    valueIn30Days: null,
    valueIn90Days: null,
    daysUntilLimit: null,
  };
  if (n < o.minHistoryDays) {
    return {
      forecast: {
        status: 'skipped',
        reason: `insufficient history: ${n} days (at least ${o.minHistoryDays} needed)`,
        days: n,
        limit,
        ...none,
        daysUntilLimitReason: 'no forecast',
      },
      at: null,
    };
  }
  const data = pts.map(([x, y]) => [x, y]);
  const ys = pts.map((p) => p[1]);
  const constant = ys.every((y) => y === ys[0]);
  const lin = linearRegression(data);
  const line = linearRegressionLine(lin);

  let half: [number, number] | null = null;
  let changed = false;
  if (n >= o.holtMinDays) {
    const h = Math.floor(n / 2);
    half = [linearRegression(data.slice(0, h)).m, linearRegression(data.slice(h)).m];
    const diff = Math.abs(half[1] - half[0]);
    const span = (pts[n - 1] as Point)[0] - (pts[0] as Point)[0];
    const scale = ys.reduce((s, y) => s + Math.abs(y), 0) / n;
    // Relative change of slope, and large enough to move the series by 5 % of its level over a half: not noise.
    changed =
      diff > o.trendChangeRatio * Math.max(Math.abs(half[0]), Math.abs(half[1])) && diff * (span / 2) > 0.05 * scale;
  }

  let at: (x: number) => number = line;
  let slope = lin.m;
  let r2: number | null = constant ? null : rSquared(data, line);
  let holtParams: Forecast['holt'] = null;
  if (changed) {
    const fit = fitHolt(ys);
    const lastX = (pts[n - 1] as Point)[0];
    const step = (lastX - (pts[0] as Point)[0]) / (n - 1);
    slope = fit.trend / step;
    at = (x) => fit.level + slope * (x - lastX);
    const fittedAt = new Map(pts.map((p, i) => [p[0], fit.fitted[i] as number]));
    r2 = rSquared(data.slice(2), (x) => fittedAt.get(x) as number);
    holtParams = { alpha: fit.alpha, beta: fit.beta };
  }

  const now = at(0);
  const last = ys[n - 1] as number;
  let days: number | null = null;
  let why: string | null = null;
  if (limit === null) why = 'no limit known for this series';
  else if (now >= limit || last >= limit) [days, why] = [0, 'at or over the limit now'];
  else if (!(slope > 0)) why = 'not growing';
  else days = Math.round(((limit - now) / slope) * 10) / 10;

  const figures: Forecast = {
    status: 'forecast',
    reason: null,
    days: n,
    model: changed ? 'holt' : 'linear',
    slopePerDay: r4(slope),
    r2: r2 === null ? null : r4(r2),
    firstHalfSlope: half === null ? null : r4(half[0]),
    secondHalfSlope: half === null ? null : r4(half[1]),
    trendChanged: half === null ? null : changed,
    holt: holtParams,
    valueNow: r4(now),
    valueIn30Days: r4(at(30)),
    valueIn90Days: r4(at(90)),
    limit,
    daysUntilLimit: days,
    daysUntilLimitReason: why,
  };
  return { forecast: figures, at };
}

import { statusFrom, type Step } from '../../step.js';
import type { Finding } from '../../types.js';
import { errorText } from '../shared/measure.js';
import { errorOf } from './actions.js';
import { currentReadings, dailyHistory, type Series } from './capacity-data.js';
import { forecast, type Fit, type Point } from './forecast.js';
import { probeFigure, selfProbe } from './probe.js';
import { DAY_MS, round2, settingsOf } from './settings.js';
import { relativeDay, svgChart, type ChartPanel } from './svg.js';

const ADVICE: Record<string, string> = {
  waitingPeak: "raise the queues' capacities or open more counters before customers are turned away",
  requestsPerSecondPeak: 'add a node (PostgreSQL + Redis mode) or give this one more CPU',
  memoryPercentPeak: 'raise the memory limit or look for growth in caches and connections',
  dataDirDiskPercent: 'grow the volume, or shorten the sample, run and ticket retention',
  redisMemoryPercent: 'raise Redis maxmemory or move Redis to a larger host',
};
/** A limit this close, in percent used, is a bottleneck even without a trend. */
const NEAR_LIMIT_PERCENT = 70;

/**
 * Monthly and preventive step: daily history of waiting tickets, req/s, joins and memory fitted
 * over up to `historyDays` (regression line; Holt when the trend changed, see forecast.ts), days
 * until each limit, and the readings with no stored history (database size, disk, Redis memory)
 * compared with theirs. Too little history gives "insufficient history", never a made-up forecast.
 */
export const capacityPlanning: Step = async (ctx) => {
  const s = settingsOf(ctx);
  const th = ctx.config.maintenance.thresholds;
  const findings: Finding[] = [];
  const now = ctx.now();
  const today = new Date(Math.floor(now.getTime() / DAY_MS) * DAY_MS);
  const readings = await currentReadings(ctx, findings);
  const probe = await selfProbe(ctx, 'capacity', findings);
  let h: Awaited<ReturnType<typeof dailyHistory>> | null = null;
  try {
    h = await dailyHistory(ctx, today, s.historyDays);
  } catch (e) {
    findings.push({ severity: 'error', message: `history could not be read: ${errorText(e)}` });
  }
  const last = (p: Point[] | undefined): number | null => (p && p.length > 0 ? (p[p.length - 1] as Point)[1] : null);
  const daily = (
    key: string,
    title: string,
    points: Point[] | undefined,
    limit: number | null,
    limitSource: string,
  ): Series => ({ key, title, points: points ?? [], limit, limitSource, history: 'daily', current: last(points) });
  const once = (
    key: string,
    title: string,
    current: number | null,
    limit: number | null,
    limitSource: string,
  ): Series => ({ key, title, points: [], limit, limitSource, history: 'current reading only', current });
  const series: Series[] = [
    daily(
      'waitingPeak',
      'peak waiting tickets per day',
      h?.waiting,
      readings.waitingCapacity.total,
      readings.waitingCapacity.reason ?? "sum of the queues' capacities",
    ),
    daily(
      'requestsPerSecondPeak',
      'peak requests per second per day',
      h?.rps,
      probe?.requestsPerSecond ?? null,
      probe ? 'self-probe on GET /health/live: an upper bound, real routes cost more' : 'self-probe did not measure',
    ),
    daily('joinsPerDay', 'joins per day', h?.joins, null, 'none: a demand figure'),
    daily(
      'memoryPercentPeak',
      'peak memory use per day (%)',
      h?.memory,
      th.maxMemoryPercent,
      'thresholds.maxMemoryPercent',
    ),
    once(
      'dataDirDiskPercent',
      `disk use of ${ctx.config.dataDir} (%)`,
      readings.disk?.percent ?? null,
      th.maxDiskPercent,
      'thresholds.maxDiskPercent',
    ),
    once(
      'databaseSizeBytes',
      'database size (bytes)',
      readings.databaseSizeBytes,
      null,
      ctx.store.kind === 'sqlite'
        ? "bounded by the data folder's disk"
        : "bounded by the PostgreSQL server's disk, not visible from here",
    ),
    ...(ctx.live.kind === 'redis'
      ? [
          once(
            'redisMemoryPercent',
            'Redis memory (%)',
            readings.redisMemory?.percent ?? null,
            th.maxMemoryPercent,
            readings.redisMemory?.limitSource ?? 'unknown',
          ),
        ]
      : []),
  ];

  const fits = new Map<string, Fit>();
  const forecasts: Record<string, unknown> = {};
  const bottlenecks: Record<string, unknown>[] = [];
  const recommendations: string[] = [];
  for (const x of series) {
    const fit = x.history === 'daily' ? forecast(x.points, x.limit, s) : null;
    if (fit) fits.set(x.key, fit);
    const f = fit?.forecast;
    if (f?.status === 'skipped') findings.push({ severity: 'info', message: `${x.title}: no forecast: ${f.reason}` });
    const used = x.current !== null && x.limit ? round2((x.current / x.limit) * 100) : null;
    const days = f?.daysUntilLimit ?? (used !== null && used >= 100 ? 0 : null);
    const fitted = f ?? { status: 'skipped', reason: 'history not stored: current reading only' };
    forecasts[x.key] = {
      title: x.title,
      history: x.history,
      current: x.current,
      ...fitted,
      limit: x.limit,
      limitSource: x.limitSource,
      usedPercentOfLimit: used,
      daysUntilLimit: days,
    };
    const soon = days !== null && days <= s.horizonDays;
    if (!soon && (used === null || used < NEAR_LIMIT_PERCENT)) continue;
    bottlenecks.push({
      series: x.key,
      current: x.current,
      limit: x.limit,
      usedPercentOfLimit: used,
      daysUntilLimit: days,
      slopePerDay: f?.slopePerDay ?? null,
    });
    const trend =
      f?.status === 'forecast' && days !== null
        ? `; at ${f.slopePerDay}/day (${f.model}, R² ${f.r2 ?? 'n/a'}) the limit is reached in ${days} days`
        : '';
    const advice: Finding = {
      severity: soon || (used ?? 0) >= 100 ? 'warning' : 'info',
      message: `${x.title}: ${x.current} of ${x.limit} (${used ?? '?'} % of the limit)${trend}: ${ADVICE[x.key] ?? 'plan more capacity'}`,
    };
    findings.push(advice);
    recommendations.push(advice.message);
  }
  bottlenecks.sort(
    (a, b) =>
      Number(a.daysUntilLimit ?? Infinity) - Number(b.daysUntilLimit ?? Infinity) ||
      Number(b.usedPercentOfLimit ?? 0) - Number(a.usedPercentOfLimit ?? 0),
  );

  const forecastable = [...fits.values()].filter((f) => f.forecast.status === 'forecast').length;
  const status = statusFrom(findings);
  return {
    // Nothing could be forecast and nothing is wrong: the honest answer is "skipped", with the reasons in the findings.
    status: forecastable === 0 && status === 'succeeded' ? 'skipped' : status,
    figures: {
      today: today.toISOString().slice(0, 10),
      historyDays: s.historyDays,
      forecasts,
      bottlenecks,
      recommendations,
      currentReadings: readings,
      throughputProbe: probeFigure(probe),
      currentOnly: series.filter((x) => x.history !== 'daily').map((x) => x.key),
      method: {
        history:
          'whole UTC days from the stored per-minute samples (peaks of the day) and daily aggregates plus tickets not yet folded (joins)',
        model: `linear regression (simple-statistics); with at least ${s.holtMinDays} days and slopes of the two halves differing by more than ${s.trendChangeRatio * 100} %, Holt's linear method with α, β chosen on a grid by one-step-ahead error`,
        daysUntilLimit:
          "from today's modelled value at the modelled slope; null when the series is not growing or has no limit",
      },
      svgChart: chart(series, fits, s.horizonDays),
    },
    findings,
    error: errorOf(findings),
  };
};

function chart(series: readonly Series[], fits: ReadonlyMap<string, Fit>, horizon: number): string | null {
  const panels: ChartPanel[] = [];
  for (const x of series) {
    if (x.points.length === 0) continue;
    const fit = fits.get(x.key);
    const lines: ChartPanel['lines'][number][] = [{ name: 'daily history', points: x.points }];
    if (fit?.at && fit.forecast.status === 'forecast') {
      const d = fit.forecast.daysUntilLimit;
      const end = d !== null && d > 0 && d <= 365 ? Math.ceil(d) + 5 : horizon;
      const from = (x.points[x.points.length - 1] as Point)[0];
      lines.push({
        name: `forecast (${fit.forecast.model})`,
        points: [
          [from, fit.at(from)],
          [end, fit.at(end)],
        ],
        dashed: true,
      });
    }
    panels.push({ title: x.title, lines, limit: x.limit, xLabel: relativeDay });
  }
  return panels.length === 0 ? null : svgChart('Capacity: daily history and forecast', panels);
}

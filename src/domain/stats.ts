import { AppError } from '../errors/index.js';
import { percentile } from '../metrics/percentile.js';
import { withinQuote } from './eta.js';
import type { TicketStatus } from './types.js';

/** What a report needs of one ticket: its status, its times (epoch ms) and the range it was quoted. */
export interface TicketFact {
  readonly status: TicketStatus;
  readonly createdAt: number;
  readonly calledAt: number | null;
  readonly endedAt: number | null;
  readonly etaLow: number | null;
  readonly etaHigh: number | null;
}

export interface QueueStats {
  joined: number;
  /** Tickets called (or admitted) in the range: the first call of each; a recall is not a new call. */
  called: number;
  served: number;
  noShow: number;
  left: number;
  expired: number;
  waitSeconds: { p50: number | null; p90: number | null };
  serviceSeconds: { p50: number | null; p90: number | null };
  etaAccuracy: { samples: number; coverage: number | null; medianAbsErrorSeconds: number | null };
}

const HOUR_MS = 3_600_000;
const DEFAULT_SPAN_MS = 24 * HOUR_MS;
/** A report reads every ticket of its span: a month at most per request. */
const MAX_SPAN_MS = 31 * 24 * HOUR_MS;

/** The span of a report: the last day unless told, never empty, never longer than a month. */
export async function reportSpan(
  span: { from?: Date; to?: Date },
  now: Date,
  read: (from: number, to: number) => Promise<TicketFact[]>,
): Promise<{ from: number; to: number; facts: TicketFact[] }> {
  const to = (span.to ?? now).getTime();
  const from = span.from?.getTime() ?? to - DEFAULT_SPAN_MS;
  if (!(from < to)) throw new AppError('validation_failed', '`from` must be before `to`');
  if (to - from > MAX_SPAN_MS) throw new AppError('validation_failed', 'a report spans at most 31 days');
  return { from, to, facts: await read(from, to) };
}
const inRange = (t: number | null, from: number, to: number): t is number => t !== null && t >= from && t < to;
const spread = (xs: number[]) => ({ p50: percentile(xs, 0.5), p90: percentile(xs, 0.9) });

/**
 * Each count and sample belongs to the moment it happened: a join to its join time, an end to its
 * end time, a wait (join to call or admission) to its call. The estimate's error is the distance of
 * the real wait from the middle of the range quoted at join; its coverage is the share of calls
 * whose wait fell inside that range.
 */
export function queueStats(facts: readonly TicketFact[], from: number, to: number): QueueStats {
  const ended = (s: TicketStatus) => facts.filter((f) => f.status === s && inRange(f.endedAt, from, to)).length;
  const waits: number[] = [];
  const services: number[] = [];
  const errors: number[] = [];
  let hits = 0;
  for (const f of facts) {
    if (inRange(f.calledAt, from, to)) {
      const wait = (f.calledAt - f.createdAt) / 1000;
      waits.push(wait);
      if (f.etaLow !== null && f.etaHigh !== null) {
        if (withinQuote({ lowSeconds: f.etaLow, highSeconds: f.etaHigh }, wait)) hits += 1;
        errors.push(Math.abs(wait - (f.etaLow + f.etaHigh) / 2));
      }
    }
    if (f.status === 'served' && f.calledAt !== null && inRange(f.endedAt, from, to))
      services.push((f.endedAt - f.calledAt) / 1000);
  }
  return {
    joined: facts.filter((f) => inRange(f.createdAt, from, to)).length,
    called: waits.length,
    served: ended('served'),
    noShow: ended('no_show'),
    left: ended('left'),
    expired: ended('expired'),
    waitSeconds: spread(waits),
    serviceSeconds: spread(services),
    etaAccuracy: {
      samples: errors.length,
      coverage: errors.length === 0 ? null : hits / errors.length,
      medianAbsErrorSeconds: percentile(errors, 0.5),
    },
  };
}

const CSV_COLUMNS = [
  'hour',
  'joined',
  'served',
  'noShow',
  'left',
  'expired',
  'waitP50',
  'waitP90',
  'serviceP50',
  'serviceP90',
  'etaSamples',
  'etaCoverage',
  'etaMedianAbsErrorSeconds',
  // Added after the first release: last, so readers that go by position keep working.
  'called',
] as const;

const cell = (v: number | null): string => (v === null ? '' : String(Math.round(v * 1000) / 1000));

/** Facts by the hours their events fall in, so each hour's report reads only its own tickets. */
function byHour(facts: readonly TicketFact[]): Map<number, TicketFact[]> {
  const hours = new Map<number, TicketFact[]>();
  for (const f of facts) {
    const seen = new Set<number>();
    for (const t of [f.createdAt, f.calledAt, f.endedAt]) {
      if (t === null) continue;
      const h = Math.floor(t / HOUR_MS) * HOUR_MS;
      if (seen.has(h)) continue;
      seen.add(h);
      const list = hours.get(h);
      if (list) list.push(f);
      else hours.set(h, [f]);
    }
  }
  return hours;
}

/** The same report per hour (UTC): one line per hour that overlaps [from, to), clipped to it. */
export function statsCsv(facts: readonly TicketFact[], from: number, to: number): string {
  const lines: string[] = [CSV_COLUMNS.join(',')];
  const hours = byHour(facts);
  for (let h = Math.floor(from / HOUR_MS) * HOUR_MS; h < to; h += HOUR_MS) {
    const s = queueStats(hours.get(h) ?? [], Math.max(from, h), Math.min(to, h + HOUR_MS));
    const row = [
      s.joined,
      s.served,
      s.noShow,
      s.left,
      s.expired,
      s.waitSeconds.p50,
      s.waitSeconds.p90,
      s.serviceSeconds.p50,
      s.serviceSeconds.p90,
      s.etaAccuracy.samples,
      s.etaAccuracy.coverage,
      s.etaAccuracy.medianAbsErrorSeconds,
      s.called,
    ];
    lines.push([new Date(h).toISOString(), ...row.map(cell)].join(','));
  }
  return lines.join('\n') + '\n';
}

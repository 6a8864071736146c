import { Cron } from 'croner';
import type { QueueSettings } from './types.js';

/**
 * Ticket numbering (docs/api.md). `continuous`: numbers only grow. `daily`: the first ticket of
 * each local day, in the queue's `timezone`, is number 1 again, so desks call "12", not "48,213".
 */
export const NUMBERINGS = ['continuous', 'daily'] as const;

/** The first instant after `now` (epoch ms) that is midnight in `timezone`, DST included. */
function nextLocalMidnight(now: number, timezone: string): number {
  const next = new Cron('0 0 0 * * *', { timezone, paused: true }).nextRun(new Date(now));
  if (!next) throw new Error(`no midnight after ${new Date(now).toISOString()} in ${timezone}`);
  return next.getTime();
}

const isDaily = (s: Partial<QueueSettings>): boolean => s.numbering === 'daily';
const zoneOf = (s: Partial<QueueSettings>): string => s.timezone ?? 'UTC';
/** `europe/madrid` and `Europe/Madrid` are one zone. */
const sameZone = (a: string, b: string): boolean =>
  a === b ||
  new Intl.DateTimeFormat('en', { timeZone: a }).resolvedOptions().timeZone ===
    new Intl.DateTimeFormat('en', { timeZone: b }).resolvedOptions().timeZone;

/**
 * When the current numbering cycle ends, after a change of settings: null for continuous
 * numbering. A daily queue keeps a reset already due (the day it numbered is over, whatever the
 * zone: the next join restarts at 1), and keeps its pending reset while it keeps its time zone; a
 * new or changed zone restarts at its next midnight, never at once, so today's numbers are not
 * repeated.
 */
export function resetsAtAfterChange(
  before: { settings: Partial<QueueSettings>; resetsAt: number | null },
  after: Partial<QueueSettings>,
  now: number,
): number | null {
  if (!isDaily(after)) return null;
  if (isDaily(before.settings) && before.resetsAt !== null) {
    if (before.resetsAt <= now || sameZone(zoneOf(before.settings), zoneOf(after))) return before.resetsAt;
  }
  return nextLocalMidnight(now, zoneOf(after));
}

/**
 * The numbering a join batch at `now` continues: the same cycle, or (its reset due) a new one
 * starting at 1 that ends at the next local midnight.
 */
export function numberingAt(
  q: { settings: Partial<QueueSettings>; lastNumber: number; epoch: number; resetsAt: number | null },
  now: number,
): { lastNumber: number; epoch: number; resetsAt: number | null } {
  if (q.resetsAt === null || q.resetsAt > now)
    return { lastNumber: q.lastNumber, epoch: q.epoch, resetsAt: q.resetsAt };
  return { lastNumber: 0, epoch: q.epoch + 1, resetsAt: nextLocalMidnight(now, zoneOf(q.settings)) };
}

import { admissionIntervalMs, admissionOf } from './admission.js';
import type { Eta, Queue } from './types.js';

type Inputs = Pick<Queue, 'settings' | 'status' | 'sessionEnds'>;

/** Active sessions read beyond a room's cap: operators' admissions may run past it (see `Schedule`). */
const OVER_CAP_READ = 64;

/**
 * How many of the active sessions' ends (earliest first) a quote for this queue needs: none (null)
 * unless it is a waiting room with a `maxActive` that is admitting. Every place that quotes asks
 * this, so only capped rooms pay for the read.
 */
export function sessionEndsNeeded(q: Pick<Queue, 'mode' | 'status' | 'settings'>): number | null {
  const cap = q.mode === 'waiting_room' && q.status !== 'paused' ? admissionOf(q.settings).maxActive : null;
  return cap === null ? null : cap + OVER_CAP_READ;
}

/**
 * When each admission of the line can take place, in seconds from now: each needs a bucket credit
 * (`first` is when the first credit is there, then one per interval) and, under a cap, a free
 * session. Sessions free up as the active ones end (at their `admittedUntil`) and then as the
 * sessions this very line opens end, `sessionSeconds` after each. Kept per queue reading and
 * start, and grown only as far as a position asks: a pass over thousands of watchers walks the
 * line once, not once per watcher.
 */
class Schedule {
  private readonly at: number[] = [];
  private t: number;
  constructor(
    first: number,
    private readonly interval: number,
    private readonly cap: number,
    private readonly ends: readonly number[],
    private readonly session: number,
  ) {
    this.t = first - interval;
  }

  admittedAt(position: number): number {
    const { at, ends, cap } = this;
    for (let j = at.length; j < position; j++) {
      // The j-th admission needs this many of the active sessions ended (more than the cap may be
      // active: an operator's admissions are not held to it).
      const k = j + ends.length - cap;
      const slot = k < 0 ? 0 : k < ends.length ? (ends[k] as number) : (at[j - cap] as number) + this.session;
      this.t = Math.max(this.t + this.interval, slot);
      at.push(this.t);
    }
    return at[position - 1] as number;
  }
}

const schedules = new WeakMap<readonly number[], Map<string, Schedule>>();

function scheduleOf(
  sessionEnds: readonly number[],
  now: number,
  first: number,
  interval: number,
  cap: number,
  session: number,
): Schedule {
  let byStart = schedules.get(sessionEnds);
  if (!byStart) schedules.set(sessionEnds, (byStart = new Map()));
  const key = `${now}|${first}|${interval}|${cap}|${session}`;
  let s = byStart.get(key);
  if (!s) {
    // One reading serves one pass (one `now`); a few entries at most before the reading is dropped.
    if (byStart.size > 8) byStart.clear();
    const ends = sessionEnds.map((e) => Math.max(0, e - now) / 1000);
    byStart.set(key, (s = new Schedule(first, interval, cap, ends, session)));
  }
  return s;
}

/**
 * The wait of a waiting-room visitor at `position`. The rate alone admits the visitor within
 * `position` intervals and no sooner than `position − 1` (the first credit may be there at once);
 * before `opensAt` the time until opening comes first. A full `maxActive` holds admissions back
 * until sessions end, so under a cap the range follows the active sessions' ends (`sessionEnds`,
 * as they stand: a renewal can still move them). A paused room admits nobody until an operator
 * resumes it, which no range can promise: its estimate is unknown (null).
 */
export const admissionEta = (queue: Inputs, position: number | null, now: number): Eta | null =>
  admissionEstimator(queue, now)(position);

/** The same for any position, one reading of the room and one `now`: a pass asks it once per watcher. */
export function admissionEstimator(queue: Inputs, now: number): (position: number | null) => Eta | null {
  if (queue.status === 'paused') return () => null;
  const a = admissionOf(queue.settings);
  const opening = a.opensAt === null ? 0 : Math.max(0, Date.parse(a.opensAt) - now) / 1000;
  const interval = a.method === 'passthrough' ? 0 : admissionIntervalMs(a) / 1000;
  const { maxActive, sessionSeconds } = a;
  const { sessionEnds } = queue;
  if (maxActive === null || sessionEnds === undefined)
    return (position) =>
      position === null
        ? null
        : {
            lowSeconds: Math.floor(opening + (position - 1) * interval),
            highSeconds: Math.ceil(opening + position * interval) + 1,
          };
  // Looked up at the first position asked, so a view with none (a called ticket) builds nothing.
  let low: Schedule | null = null;
  let high: Schedule | null = null;
  return (position) => {
    if (position === null) return null;
    low ??= scheduleOf(sessionEnds, now, opening, interval, maxActive, sessionSeconds);
    high ??= scheduleOf(sessionEnds, now, opening + interval, interval, maxActive, sessionSeconds);
    return {
      lowSeconds: Math.floor(low.admittedAt(position)),
      highSeconds: Math.ceil(high.admittedAt(position)) + 1,
    };
  };
}

import { admissionIntervalMs, admissionOf } from './admission.js';
import type { Eta, Queue } from './types.js';

type Inputs = Pick<Queue, 'settings' | 'status' | 'sessionEnds'>;

/**
 * When the admissions ahead of and including the `position`-th can take place, in seconds from
 * now: each needs a bucket credit (`first` is when the first credit is there, then one per
 * interval) and, under a cap, a free session. Sessions free up as the active ones end (at their
 * `admittedUntil`) and then as the sessions this very line opens end, `sessionSeconds` after each.
 */
function admittedAt(
  position: number,
  first: number,
  interval: number,
  cap: number,
  ends: readonly number[],
  session: number,
): number {
  const at: number[] = [];
  let t = first - interval;
  for (let j = 0; j < position; j++) {
    // The j-th admission needs this many of the active sessions ended (more than the cap may be
    // active: an operator's admissions are not held to it).
    const k = j + ends.length - cap;
    const slot = k < 0 ? 0 : k < ends.length ? (ends[k] as number) : (at[j - cap] as number) + session;
    t = Math.max(t + interval, slot);
    at.push(t);
  }
  return t;
}

/**
 * The wait of a waiting-room visitor at `position`. The rate alone admits the visitor within
 * `position` intervals and no sooner than `position − 1` (the first credit may be there at once);
 * before `opensAt` the time until opening comes first. A full `maxActive` holds admissions back
 * until sessions end, so under a cap the range follows the active sessions' ends (`sessionEnds`,
 * as they stand: a renewal can still move them). A paused room admits nobody until an operator
 * resumes it, which no range can promise: its estimate is unknown (null).
 */
export function admissionEta(queue: Inputs, position: number | null, now: number): Eta | null {
  if (position === null || queue.status === 'paused') return null;
  const a = admissionOf(queue.settings);
  const opening = a.opensAt === null ? 0 : Math.max(0, Date.parse(a.opensAt) - now) / 1000;
  const interval = a.method === 'passthrough' ? 0 : admissionIntervalMs(a) / 1000;
  if (a.maxActive === null || queue.sessionEnds === undefined)
    return {
      lowSeconds: Math.floor(opening + (position - 1) * interval),
      highSeconds: Math.ceil(opening + position * interval) + 1,
    };
  const ends = queue.sessionEnds.map((e) => Math.max(0, e - now) / 1000);
  const session = a.sessionSeconds;
  return {
    lowSeconds: Math.floor(admittedAt(position, opening, interval, a.maxActive, ends, session)),
    highSeconds: Math.ceil(admittedAt(position, opening + interval, interval, a.maxActive, ends, session)) + 1,
  };
}

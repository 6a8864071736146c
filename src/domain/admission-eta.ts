import { admissionIntervalMs, admissionOf } from './admission.js';
import type { Eta, Queue } from './types.js';

/**
 * The wait of a waiting-room visitor at `position`, from the admission rate rather than service
 * times: the one ahead is admitted within one interval, the visitor at `position` within
 * `position` intervals. Visitors ahead who leave or go idle can only shorten it, so the low end
 * assumes one interval fewer; before `opensAt` the time until opening comes first. A cap on
 * active sessions can hold admissions back further, which the range cannot know and does not hide:
 * it is the rate's promise, not a guarantee.
 */
export function admissionEta(queue: Pick<Queue, 'settings'>, position: number | null, now: number): Eta | null {
  if (position === null) return null;
  const a = admissionOf(queue.settings);
  const opening = a.opensAt === null ? 0 : Math.max(0, Date.parse(a.opensAt) - now) / 1000;
  if (a.method === 'passthrough') return { lowSeconds: Math.floor(opening), highSeconds: Math.ceil(opening) + 1 };
  const interval = admissionIntervalMs(a) / 1000;
  return {
    lowSeconds: Math.floor(opening + (position - 1) * interval),
    highSeconds: Math.ceil(opening + position * interval) + 1,
  };
}

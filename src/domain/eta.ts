import type { Eta, Queue } from './types.js';

/**
 * The wait for a ticket at `position`: position × seconds per completed ticket, as a range of one
 * standard deviation either side of the measured mean. Until a queue has measured a completion,
 * the seed from its settings stands in, with a ±50 % range to say how little we know.
 */
export function estimateWait(
  queue: Pick<Queue, 'serviceSecondsEwma' | 'serviceSecondsVariance' | 'settings'>,
  position: number | null,
): Eta | null {
  if (position === null) return null;
  const measured = queue.serviceSecondsEwma;
  const mean = measured ?? queue.settings.averageServiceSeconds;
  const sd = measured === null ? mean * 0.5 : Math.sqrt(Math.max(0, queue.serviceSecondsVariance ?? 0));
  // The ticket at position p is called at the p-th completion from now; independent gaps add
  // their variances, so the spread grows with the square root of p.
  const spread = sd * Math.sqrt(position);
  return {
    lowSeconds: Math.max(0, Math.round(position * mean - spread)),
    highSeconds: Math.max(0, Math.round(position * mean + spread)),
  };
}

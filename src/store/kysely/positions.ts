import type { Selectable } from 'kysely';
import type { TicketPriority } from '../../domain/types.js';
import type { QueuesTable } from './schema.js';

type Counters = Pick<Selectable<QueuesTable>, 'waiting_count' | 'waiting_high'>;

/**
 * Positions of tickets just appended to the back of the waiting order, in the given order, from
 * the queue's counters as the same transaction left them. Every high-priority ticket waits ahead of
 * every normal one, and a new ticket's seq is above every waiting one's of its priority, so the
 * counters alone give the exact position at commit, whatever the live index holds.
 */
export function positionsAtBack(after: Counters, priorities: readonly TicketPriority[]): number[] {
  const high = Number(after.waiting_high);
  const newHigh = priorities.filter((p) => p === 'high').length;
  let highAhead = high - newHigh;
  let normalAhead = Number(after.waiting_count) - high - (priorities.length - newHigh);
  return priorities.map((p) => (p === 'high' ? ++highAhead : high + ++normalAhead));
}

/** Change of the high-priority counter when one ticket moves in or out of the waiting order. */
export function highDelta(priority: number, wasWaiting: boolean, isWaiting: boolean): number {
  if (priority !== 0) return 0;
  return (isWaiting ? 1 : 0) - (wasWaiting ? 1 : 0);
}

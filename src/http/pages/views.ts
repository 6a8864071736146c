import type { Queue, Ticket } from '../../domain/types.js';
import { publicQueueView } from '../../domain/views.js';

/** How many called tickets the board lists, newest first. */
export const BOARD_SIZE = 6;

/** What the display board shows: the public queue view and the most recent calls (newest first) with their desks. */
export function boardView(q: Queue, called: readonly Ticket[], now: Date) {
  const nowServing = called.map((t) => ({
    number: t.number,
    counter: t.counter,
    calledAt: t.calledAt?.toISOString() ?? null,
    announcedAt: (t.recalledAt ?? t.calledAt)?.toISOString() ?? null,
  }));
  return { ...publicQueueView(q, now), nowServing };
}

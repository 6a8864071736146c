import type { Ticket, TicketPriority, TicketStatus } from './types.js';
import type { TicketView } from './views.js';

/**
 * What one queue change tells the nodes that watch the queue: the tickets whose status moved,
 * with the fields a customer view shows of them. Positions are not carried; each node reads the
 * order once per pass (src/domain/queue-watch.ts). `node` and `seq` (per publishing node and
 * queue, from 1) let a receiver see that it missed a message and resynchronise.
 */
export interface QueueNote {
  readonly node: string;
  readonly seq: number;
  readonly tickets: readonly TicketNote[];
  /** Something changed that the notes do not describe: receivers read their watched tickets again. */
  readonly reread?: boolean;
}

export interface TicketNote {
  readonly id: string;
  readonly status: TicketStatus;
  readonly priority: TicketPriority;
  readonly counter: string | null;
  readonly calledAt: string | null;
  readonly endedAt: string | null;
  readonly admittedUntil: string | null;
  /** Absent from a note another version published: the held view's values stay. */
  readonly recalls?: number;
  readonly recalledAt?: string | null;
}

export const noteOf = (t: Ticket): TicketNote => ({
  id: t.id,
  status: t.status,
  priority: t.priority,
  counter: t.counter,
  calledAt: t.calledAt?.toISOString() ?? null,
  endedAt: t.endedAt?.toISOString() ?? null,
  admittedUntil: t.admittedUntil?.toISOString() ?? null,
  recalls: t.recalls,
  recalledAt: t.recalledAt?.toISOString() ?? null,
});

export const encodeNote = (n: QueueNote): string => JSON.stringify(n);

/** A message this build cannot read (another version's, or damaged) yields null: the receiver resyncs. */
export function decodeNote(message: string): QueueNote | null {
  try {
    const n = JSON.parse(message) as Partial<QueueNote> | null;
    if (!n || typeof n.node !== 'string' || typeof n.seq !== 'number' || !Array.isArray(n.tickets)) return null;
    for (const t of n.tickets) if (typeof t?.id !== 'string' || typeof t.status !== 'string') return null;
    return n as QueueNote;
  } catch {
    return null;
  }
}

/** The customer view after a note, before its position and estimate are recomputed. */
export function applyNote(view: TicketView, n: TicketNote): TicketView {
  const next: TicketView = {
    ...view,
    status: n.status,
    priority: n.priority,
    counter: n.counter,
    calledAt: n.calledAt,
    endedAt: n.endedAt,
    recalls: n.recalls ?? view.recalls,
    recalledAt: n.recalledAt === undefined ? view.recalledAt : n.recalledAt,
  };
  if (n.status === 'admitted') next.admittedUntil = n.admittedUntil;
  else {
    // Only an admitted ticket carries a session and its pass (`withPass`): a ticket that moved on
    // must not keep showing a pass that may still be valid.
    delete next.admittedUntil;
    delete next.pass;
    delete next.continueUrl;
  }
  return next;
}

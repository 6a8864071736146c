import { estimateWait, publicCoverage } from './eta.js';
import type { Eta, Queue, Ticket } from './types.js';

/**
 * What a customer sees of their ticket: built only by `ticketView`, for every answer a customer gets
 * (join, status, leave, live events). The operator view adds fields to it; a customer view is never
 * made by removing fields from an operator view, so a new operator field cannot leak.
 */
export interface TicketView {
  id: string;
  number: number;
  queueId: string;
  status: Ticket['status'];
  priority: Ticket['priority'];
  position: number | null;
  eta: Eta | null;
  etaAtJoin: Eta | null;
  name: string | null;
  counter: string | null;
  createdAt: string;
  calledAt: string | null;
  endedAt: string | null;
}

/** Operators also see contact details and metadata. */
export interface OperatorTicketView extends TicketView {
  contact: string | null;
  metadata: Record<string, unknown> | null;
}

export function ticketView(t: Ticket, queue: Queue, position: number | null): TicketView {
  return {
    id: t.id,
    number: t.number,
    queueId: t.queueId,
    status: t.status,
    priority: t.priority,
    position,
    eta: estimateWait(queue, position),
    etaAtJoin: t.etaAtJoin,
    name: t.name,
    counter: t.counter,
    createdAt: t.createdAt.toISOString(),
    calledAt: t.calledAt?.toISOString() ?? null,
    endedAt: t.endedAt?.toISOString() ?? null,
  };
}

export const operatorTicketView = (t: Ticket, queue: Queue, position: number | null): OperatorTicketView => ({
  ...ticketView(t, queue, position),
  contact: t.contact,
  metadata: t.metadata,
});

export function queueView(q: Queue) {
  return {
    id: q.id,
    name: q.name,
    mode: q.mode,
    status: q.status,
    capacity: q.capacity,
    settings: q.settings,
    waitingCount: q.waitingCount,
    estimatedWait: estimateWait(q, q.waitingCount + 1),
    etaCoverage: publicCoverage(q.etaWindow),
    serviceSeconds: q.serviceSecondsEwma,
    createdAt: q.createdAt.toISOString(),
    updatedAt: q.updatedAt.toISOString(),
    closedAt: q.closedAt?.toISOString() ?? null,
  };
}

/** The public face of a queue: enough for a customer to decide whether to join. */
export const publicQueueView = (q: Queue) => {
  const { id, name, mode, status, waitingCount, estimatedWait, etaCoverage } = queueView(q);
  return { id, name, mode, status, waitingCount, estimatedWait, etaCoverage };
};

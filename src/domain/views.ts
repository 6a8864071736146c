import { admissionEstimator, admissionEta } from './admission-eta.js';
import { admissionOf } from './admission.js';
import { estimateWait, publicCoverage, waitEstimator } from './eta.js';
import type { AdmissionSettings, Eta, Queue, QueueSettings, Ticket } from './types.js';

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
  /** How many times the called ticket was announced again, and the last time (each alerts the customer). */
  recalls: number;
  recalledAt: string | null;
  /** Admitted waiting-room tickets: when the session ends. */
  admittedUntil?: string | null;
  /** Admitted waiting-room tickets with a running session: the signed pass (docs/waiting-room.md). */
  pass?: string | null;
  /** Admitted tickets with a pass, in a room with a `siteUrl`: that address carrying the pass. */
  continueUrl?: string | null;
}

/** Operators also see contact details and metadata. */
export interface OperatorTicketView extends TicketView {
  contact: string | null;
  metadata: Record<string, unknown> | null;
}

/** The estimate at any position for one reading of the queue and one moment, the node's clock (a
 * waiting room's wait counts down to `opensAt` from it). Live updates ask it once per watcher. */
export const estimatorAt = (queue: Queue, now: Date): ((position: number | null) => Eta | null) =>
  queue.mode === 'waiting_room' ? admissionEstimator(queue, now.getTime()) : waitEstimator(queue);

export function ticketView(t: Ticket, queue: Queue, position: number | null, now: Date): TicketView {
  return {
    id: t.id,
    number: t.number,
    queueId: t.queueId,
    status: t.status,
    priority: t.priority,
    position,
    eta: estimatorAt(queue, now)(position),
    etaAtJoin: t.etaAtJoin,
    name: t.name,
    counter: t.counter,
    createdAt: t.createdAt.toISOString(),
    calledAt: t.calledAt?.toISOString() ?? null,
    endedAt: t.endedAt?.toISOString() ?? null,
    recalls: t.recalls,
    recalledAt: t.recalledAt?.toISOString() ?? null,
    ...(t.status === 'admitted' ? { admittedUntil: t.admittedUntil?.toISOString() ?? null } : {}),
  };
}

export const operatorTicketView = (
  t: Ticket,
  queue: Queue,
  position: number | null,
  now: Date,
): OperatorTicketView => ({
  ...ticketView(t, queue, position, now),
  contact: t.contact,
  metadata: t.metadata,
});

/** Every setting with its default; a waiting room shows its admission settings with theirs filled in. */
function settingsView(q: Queue): Omit<QueueSettings, 'admission'> & { admission?: AdmissionSettings } {
  const { admission: _own, ...rest } = q.settings;
  return q.mode === 'waiting_room' ? { ...rest, admission: admissionOf(q.settings) } : rest;
}

export function queueView(q: Queue, now: Date) {
  return {
    id: q.id,
    name: q.name,
    mode: q.mode,
    status: q.status,
    capacity: q.capacity,
    settings: settingsView(q),
    waitingCount: q.waitingCount,
    estimatedWait:
      q.mode === 'waiting_room'
        ? admissionEta(q, q.waitingCount + 1, now.getTime())
        : estimateWait(q, q.waitingCount + 1),
    etaCoverage: publicCoverage(q.etaWindow),
    serviceSeconds: q.serviceSecondsEwma,
    createdAt: q.createdAt.toISOString(),
    updatedAt: q.updatedAt.toISOString(),
    closedAt: q.closedAt?.toISOString() ?? null,
  };
}

/** The public face of a queue: enough for a customer to decide whether to join. */
export const publicQueueView = (q: Queue, now: Date) => {
  const { id, name, mode, status, waitingCount, estimatedWait, etaCoverage } = queueView(q, now);
  return { id, name, mode, status, waitingCount, estimatedWait, etaCoverage };
};

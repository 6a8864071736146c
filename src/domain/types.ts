/**
 * Glossary
 * - Queue: a line customers join. `service` queues call tickets to a desk; `waiting_room` queues
 *   admit them to a site. Status `open` accepts joins and calls; `paused` stops calls (a desk on a
 *   break) while customers may still join; `closed` refuses new joins and lets operators call
 *   those still waiting.
 * - Ticket: one customer's place in a queue (a "user session" in the maintenance figures). It has a per-queue
 *   `number` shown to humans and a secret token returned once, at join.
 * - Seq: the ticket's sort key inside its priority class. It grows with every join or requeue, so
 *   (priority, seq) is the waiting order: high priority first, then first-in first-out.
 * - Position: the exact number of waiting tickets ahead, plus one (1 = next). Answered by the live
 *   index, never by counting rows; a join's own position comes from the queue's waiting counters
 *   (total and high priority), kept in the transaction that adds the ticket, so it is exact at commit.
 * - ETA: position × the queue's measured service time (EWMA), as a calibrated range (eta.ts); in a waiting room,
 *   position × the admission interval.
 * - Admission: a waiting-room ticket moving to `admitted`, which opens a session until
 *   `admittedUntil`; its pass is a signed JWT the protected site checks.
 */
export const QUEUE_MODES = ['service', 'waiting_room'] as const;
export type QueueMode = (typeof QUEUE_MODES)[number];

export const QUEUE_STATUSES = ['open', 'paused', 'closed'] as const;
export type QueueStatus = (typeof QUEUE_STATUSES)[number];

export const TICKET_STATUSES = ['waiting', 'called', 'served', 'no_show', 'left', 'expired', 'admitted'] as const;
export type TicketStatus = (typeof TICKET_STATUSES)[number];

export const PRIORITIES = ['normal', 'high'] as const;
export type TicketPriority = (typeof PRIORITIES)[number];

export interface QueueSettings {
  /** Seed for the ETA until real service times exist. */
  readonly averageServiceSeconds: number;
  /** Tickets still waiting after this many seconds become `expired` (0 = never). */
  readonly ticketTtlSeconds: number;
  /** Share of calls whose wait should fall inside the quoted range (default 0.8, see eta.ts). */
  readonly etaCoverageTarget?: number;
  /** Waiting rooms: how visitors are admitted (`admissionOf` fills the defaults). */
  readonly admission?: Partial<AdmissionSettings>;
  /** A waiting ticket that moves up to this position gets `ticket.near`, once (docs/notifications.md). */
  readonly notifyAtPosition: number;
  /** `continuous` (default) or `daily`: numbers restart at 1 each local day (src/domain/numbering.ts). */
  readonly numbering?: 'continuous' | 'daily';
  /** IANA time zone of the queue's days; filled from QK_TIMEZONE when daily numbering is chosen. */
  readonly timezone?: string;
}

export const ADMISSION_METHODS = ['fifo', 'random', 'passthrough', 'reject'] as const;
type AdmissionMethod = (typeof ADMISSION_METHODS)[number];

/** See docs/waiting-room.md. */
export interface AdmissionSettings {
  readonly newPerMinute: number;
  readonly maxActive: number | null;
  readonly sessionSeconds: number;
  readonly method: AdmissionMethod;
  /** ISO time; before it joins wait in a pre-queue and nobody is admitted. */
  readonly opensAt: string | null;
  readonly idleSeconds: number;
  /** The protected site: the ticket page's Continue link goes there with the pass (docs/waiting-room.md). */
  readonly siteUrl: string | null;
}

export const DEFAULT_QUEUE_SETTINGS: QueueSettings = {
  averageServiceSeconds: 300,
  ticketTtlSeconds: 0,
  notifyAtPosition: 3,
};

export interface Queue {
  readonly id: string;
  readonly name: string;
  readonly mode: QueueMode;
  readonly status: QueueStatus;
  readonly capacity: number | null;
  readonly settings: QueueSettings;
  readonly waitingCount: number;
  /** Measured seconds per completed ticket (EWMA), null until one is measured. */
  readonly serviceSecondsEwma: number | null;
  readonly serviceSecondsVariance: number | null;
  /** The estimate's calibrated spread factor, null before the first measured call. */
  readonly etaScale: number | null;
  /** Hits ('1') and misses ('0') of the last calls against their quoted range. */
  readonly etaWindow: string | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  readonly closedAt: Date | null;
  /**
   * A waiting room with a cap: when its active sessions end (epoch ms, earliest first), read by the
   * node for the estimate; absent on a queue read straight from the store.
   */
  readonly sessionEnds?: readonly number[];
}

export interface Ticket {
  readonly id: string;
  readonly queueId: string;
  readonly number: number;
  readonly status: TicketStatus;
  readonly priority: TicketPriority;
  readonly seq: number;
  readonly name: string | null;
  readonly contact: string | null;
  readonly metadata: Record<string, unknown> | null;
  readonly counter: string | null;
  readonly createdAt: Date;
  readonly calledAt: Date | null;
  readonly endedAt: Date | null;
  readonly updatedAt: Date;
  /** The wait range quoted when the ticket joined (null for tickets older than the quote). */
  readonly etaAtJoin: Eta | null;
  /** Waiting rooms: when the admitted session ends (earlier than now once it has ended). */
  readonly admittedUntil: Date | null;
  /** Waiting rooms: the last status read or event stream of a waiting visitor. */
  readonly seenAt: Date | null;
  /** How many times the called ticket was announced again (recalled), and the last time. */
  readonly recalls: number;
  readonly recalledAt: Date | null;
}

/** A ticket as stored, with the hash of its secret token. Never sent to clients. */
export interface TicketRecord extends Ticket {
  readonly tokenHash: string;
}

/** The waiting-order entry the live index keeps for a ticket. */
export interface WaitingEntry {
  readonly ticketId: string;
  readonly priority: TicketPriority;
  readonly seq: number;
}

export interface Eta {
  readonly lowSeconds: number;
  readonly highSeconds: number;
}

/** `site`: a protected site's key, bound to its waiting room (`queueId`); it may only end that room's sessions. */
export const KEY_ROLES = ['admin', 'operator', 'site'] as const;
export type KeyRole = (typeof KEY_ROLES)[number];

export interface ApiKey {
  readonly id: string;
  readonly role: KeyRole;
  readonly name: string;
  /** The queue a `site` key is bound to; null for the other roles. */
  readonly queueId: string | null;
  readonly createdAt: Date;
  readonly lastUsedAt: Date | null;
}

export interface ApiKeyRecord extends ApiKey {
  readonly keyHash: string;
}

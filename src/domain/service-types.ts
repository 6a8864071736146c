import type { EmailLang } from './email-catalogues.js';
import type { TicketPriority, TicketRecord, TicketStatus } from './types.js';
import type { TicketView } from './views.js';

/** What the queue service takes and gives at its edges (src/domain/queue-service.ts). */
export interface JoinInput {
  readonly name?: string | null;
  readonly contact?: string | null;
  /** A checked email address, kept as the contact (the join page's field). */
  readonly email?: string;
  readonly metadata?: Record<string, unknown> | null;
  readonly priority?: TicketPriority;
  /** The page's language: the customer's emails are written in it. */
  readonly lang?: EmailLang;
}

export interface JoinResult extends TicketView {
  token: string;
}

/** Told of every change, for metrics and live updates. */
export interface ServiceObserver {
  joined(queueId: string, count: number): void;
  changed(ticket: TicketRecord, from: TicketStatus | null): void;
  /** A token that does not match an existing ticket: logged for the security scan. */
  invalidToken(ticketId: string): void;
}

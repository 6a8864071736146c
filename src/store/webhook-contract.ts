/** Ticket events a webhook may subscribe to, named as the deliveries' `type`. */
export const WEBHOOK_EVENTS = [
  'ticket.joined',
  'ticket.near',
  'ticket.called',
  'ticket.admitted',
  'ticket.served',
  'ticket.no_show',
  'ticket.left',
  'ticket.expired',
] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

/**
 * Email notifications ride the same outbox as a reserved webhook row (never listed) whose
 * deliveries go to the ticket's email contact instead of a URL.
 */
export const EMAIL_CHANNEL = { id: 'email', url: 'mailto:', events: ['ticket.near', 'ticket.called'] } as const;

export interface WebhookRecord {
  readonly id: string;
  readonly url: string;
  readonly events: readonly WebhookEvent[];
  readonly includeContact: boolean;
  readonly createdAt: Date;
}

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

/** One outbox row as operators see it: the event and the outcome of its last attempt. */
export interface DeliveryRecord {
  readonly id: string;
  readonly webhookId: string;
  readonly type: WebhookEvent;
  readonly ticketId: string;
  readonly queueId: string;
  readonly status: DeliveryStatus;
  readonly attempts: number;
  readonly occurredAt: Date;
  readonly nextAttemptAt: Date | null;
  readonly lastAttemptAt: Date | null;
  readonly deliveredAt: Date | null;
  readonly responseStatus: number | null;
  readonly latencyMs: number | null;
  readonly error: string | null;
}

/** A delivery claimed for sending, with what signing and the payload need. */
export interface ClaimedDelivery {
  readonly id: string;
  /** The webhook (or the email channel) it goes to: its lane in the dispatcher. */
  readonly webhookId: string;
  readonly url: string;
  /** The webhook's signing secret, sealed under the seal key; opened only to sign. */
  readonly sealedSecret: string;
  readonly type: WebhookEvent;
  readonly occurredAt: Date;
  readonly attempts: number;
  /** The ticket's public fields at the event, plus name and contact where the webhook opted in. */
  readonly data: Record<string, unknown>;
}

export interface AttemptResult {
  readonly ok: boolean;
  readonly responseStatus: number | null;
  readonly latencyMs: number;
  readonly error: string | null;
  /** When to try again; null: give up and mark the delivery failed. Ignored when `ok`. */
  readonly retryAt: Date | null;
  /** Settled without sending anything (an email event for a ticket with no address). */
  readonly skipped?: boolean;
}

/** A finished attempt of a claimed delivery, waiting to be recorded with others. */
export interface SettledAttempt {
  readonly id: string;
  readonly result: AttemptResult;
  /** When the attempt finished: its `lastAttemptAt`, and `deliveredAt` if it was delivered. */
  readonly at: Date;
}

/** Which lanes a claim may fill, and how far. */
export interface ClaimOptions {
  /** Include the email channel's rows (a node without SMTP leaves them to one that has it). */
  readonly withEmail?: boolean;
  /** At most this many deliveries of one webhook (or the email channel) in flight; default: `limit`. */
  readonly perWebhook?: number;
  /** Deliveries this node still has in flight, per webhook id: they count against `perWebhook`. */
  readonly inFlight?: ReadonlyMap<string, number>;
}

/**
 * Webhooks and their outbox. Outbox rows are written by the ticket changes themselves (join,
 * transitions, expiry) in their transactions; this contract reads, claims and settles them.
 */
export interface WebhookStore {
  /** `sealedSecret`: the signing secret sealed under the seal key; the store never sees it in clear. */
  createWebhook(
    w: { id: string; url: string; events: readonly WebhookEvent[]; sealedSecret: string; includeContact: boolean },
    now: Date,
  ): Promise<WebhookRecord>;
  listWebhooks(): Promise<WebhookRecord[]>;
  getWebhook(id: string): Promise<WebhookRecord | null>;
  deleteWebhook(id: string): Promise<boolean>;
  listDeliveries(
    webhookId: string,
    opts: { limit: number; cursor?: string },
  ): Promise<{ items: DeliveryRecord[]; nextCursor: string | null }>;
  /**
   * Leases up to `limit` due deliveries to `owner` until `now + leaseMs`, each the oldest pending
   * one of its webhook and ticket, so events of one ticket go out in order; within a webhook the
   * earliest due go first. Atomic across nodes.
   */
  claimDue(owner: string, now: Date, leaseMs: number, limit: number, opts?: ClaimOptions): Promise<ClaimedDelivery[]>;
  /** Switches the email channel on (its outbox rows start) or off (it goes, with its rows). */
  setEmailChannel(on: boolean, now: Date): Promise<void>;
  /**
   * Records several finished attempts at once, each with its own outcome. Returns the ids recorded;
   * a missing one had lost its lease to another node meanwhile, and its result is discarded.
   */
  settleBatch(owner: string, attempts: readonly SettledAttempt[]): Promise<Set<string>>;
  /** A failed delivery goes back to pending, due at once, with a fresh round of retries. */
  resend(webhookId: string, deliveryId: string, now: Date): Promise<'ok' | 'not_found' | 'not_failed'>;
  /** Deletes delivered rows that settled before `deliveredBefore` and failed ones older than `failedBefore`. */
  prune(deliveredBefore: Date, failedBefore: Date): Promise<number>;
  /** Outbox depth and age, for metrics. */
  backlog(now: Date): Promise<{ pending: number; failed: number; oldestPendingSeconds: number | null }>;
  /** Pending and failed deliveries per webhook (webhooks with neither are left out), for the console. */
  backlogByWebhook(): Promise<{ webhookId: string; pending: number; failed: number }[]>;
}

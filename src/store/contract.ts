import type {
  ApiKey,
  ApiKeyRecord,
  KeyRole,
  Queue,
  QueueMode,
  QueueSettings,
  QueueStatus,
  TicketPriority,
  TicketRecord,
  TicketStatus,
  WaitingEntry,
} from '../domain/types.js';
import type { TicketFact } from '../domain/stats.js';
import type { DatabaseAdmin } from './admin-contract.js';
import type { MaintenanceStore } from './maintenance-contract.js';
import type { WaitingRoomStore } from './waiting-room-contract.js';
import type { WebhookStore } from './webhook-contract.js';

export interface NewQueue {
  readonly id: string;
  readonly name: string;
  readonly mode: QueueMode;
  readonly capacity: number | null;
  readonly settings: QueueSettings;
}

export interface QueuePatch {
  readonly name?: string;
  readonly status?: QueueStatus;
  readonly capacity?: number | null;
  /** Merged into the stored settings inside the update's transaction, so concurrent patches all land. */
  readonly settings?: Partial<QueueSettings>;
}

export interface JoinRequest {
  readonly id: string;
  readonly tokenHash: string;
  readonly priority: TicketPriority;
  readonly name: string | null;
  readonly contact: string | null;
  readonly metadata: Record<string, unknown> | null;
  /** The language the customer joined in, for their emails; null when not given. */
  readonly lang?: string | null;
  readonly idempotencyKey: string | null;
  /** Sealed copy of the token, kept with the idempotency key so a retry can return it again. */
  readonly sealedToken: string | null;
}

/**
 * Accepted joins carry the queue as the same transaction left it, so callers need not re-read it,
 * and the ticket's position at commit (1 = next), counted in that transaction.
 */
export type JoinOutcome =
  | { readonly kind: 'joined'; readonly ticket: TicketRecord; readonly queue: Queue; readonly position: number }
  | {
      readonly kind: 'replayed';
      readonly ticket: TicketRecord;
      readonly sealedToken: string | null;
      readonly queue: Queue;
    }
  | { readonly kind: 'rejected'; readonly code: 'not_found' | 'queue_full' | 'queue_closed' };

/** Fields a transition may set besides the status. */
export interface TransitionChange {
  readonly to: TicketStatus;
  readonly counter?: string | null;
  /** A requeue puts the ticket at the back: the store gives it a fresh seq. */
  readonly requeue?: boolean;
  /** An admission: when its session ends (epoch ms). */
  readonly admittedUntil?: number;
  /** A recall: the called ticket is announced again; its first call time stays. */
  readonly recall?: boolean;
}

export type TransitionOutcome =
  | {
      readonly kind: 'ok';
      readonly ticket: TicketRecord;
      readonly before: TicketRecord;
      /** Position at commit of a ticket that (re-)entered the waiting order at its back, else null. */
      readonly position: number | null;
    }
  | { readonly kind: 'not_found' }
  | { readonly kind: 'conflict'; readonly current: TicketStatus };

export interface TicketPage {
  readonly items: TicketRecord[];
  readonly nextCursor: string | null;
}

/**
 * The durable store, made of the product's own operations. The database is the source of truth;
 * every method commits before it resolves. Implementations: `sqlite/` and `postgres/`.
 */
export interface Store {
  readonly kind: 'sqlite' | 'postgres';
  /** Runs, schedules, claims and metric samples of the maintenance engine. */
  readonly maintenance: MaintenanceStore;
  /** Database care used by maintenance steps and backups: statistics, vacuum, integrity, sizes. */
  readonly admin: DatabaseAdmin;
  /** Admission, sessions, draws and pass signing keys of waiting rooms. */
  readonly waitingRooms: WaitingRoomStore;
  /** Webhooks and the outbox their deliveries are sent from. */
  readonly webhooks: WebhookStore;
  migrate(): Promise<{ applied: string[] }>;
  schemaVersion(): Promise<number>;
  close(): Promise<void>;
  /** Round trip with a timeout; resolves to the latency in ms or rejects with `unavailable`. */
  ping(timeoutMs: number): Promise<number>;

  createQueue(input: NewQueue, now: Date): Promise<Queue>;
  getQueue(id: string): Promise<Queue | null>;
  listQueues(): Promise<Queue[]>;
  updateQueue(id: string, patch: QueuePatch, now: Date): Promise<Queue | null>;
  /** Deletes the queue and its tickets; returns the ids of the tickets that were waiting. */
  deleteQueue(id: string): Promise<string[] | null>;

  /** Group commit: all requests of one queue in one transaction. Outcomes are in request order. */
  joinMany(queueId: string, requests: readonly JoinRequest[], now: Date): Promise<JoinOutcome[]>;
  getTicket(id: string): Promise<TicketRecord | null>;
  listTickets(queueId: string, opts: { status?: TicketStatus; limit: number; cursor?: string }): Promise<TicketPage>;
  /** The queue's `limit` most recently called tickets still being called, newest call first (the board). */
  nowServing(queueId: string, limit: number): Promise<TicketRecord[]>;
  /** Atomically takes the first waiting ticket (high priority, then lowest seq), safe across nodes. */
  callNext(
    queueId: string,
    to: 'called' | 'admitted',
    counter: string | null,
    now: Date,
    /** An admission: when its session ends (epoch ms). */
    admittedUntil?: number,
  ): Promise<TicketRecord | null>;
  transition(
    id: string,
    from: readonly TicketStatus[],
    change: TransitionChange,
    now: Date,
  ): Promise<TransitionOutcome>;
  /** Waiting tickets older than their queue's TTL become `expired`; returns them. */
  expireWaiting(now: Date): Promise<TicketRecord[]>;
  /** The waiting order as the database knows it, for rebuilding the live index. */
  waitingEntries(queueId?: string): Promise<Map<string, WaitingEntry[]>>;
  /** Waiting tickets per queue (queues with none are left out), from the queues' counters. */
  waitingCounts(): Promise<Map<string, number>>;
  /** Tickets of a queue that joined, were called or ended in [from, to) (epoch ms), for reports. */
  ticketFacts(queueId: string, from: number, to: number): Promise<TicketFact[]>;

  createKey(
    key: { id: string; role: KeyRole; name: string; keyHash: string; queueId?: string | null },
    now: Date,
  ): Promise<ApiKey>;
  listKeys(): Promise<ApiKey[]>;
  findKeyByHash(keyHash: string): Promise<ApiKeyRecord | null>;
  deleteKey(id: string): Promise<boolean>;
  touchKey(id: string, now: Date): Promise<void>;

  getMeta(key: string): Promise<string | null>;
  /** Sets a value only when it is not set yet; returns the value in force. */
  initMeta(key: string, value: string): Promise<string>;
}

import type { WaitingEntry } from '../domain/types.js';

/**
 * How long the index remembers a removed ticket, against a join's late add. A join adds within
 * milliseconds of its commit; a later one failed, and the index audit repairs its queue.
 */
export const REMOVED_MEMORY_MS = 60_000;

/**
 * The live index: each queue's waiting order, kept beside the database for O(log n) positions.
 * The database stays the source of truth; the index is rebuilt from it at start and whenever it
 * comes back empty. Implementations: `memory/` (one node) and `redis/` (shared by many nodes).
 */
export interface LiveIndex {
  /** Adds waiting tickets (idempotent: adding a present ticket again changes nothing). */
  add(queueId: string, entries: readonly WaitingEntry[]): Promise<void>;
  /**
   * Adds the tickets a join has just committed, except any removed in the last REMOVED_MEMORY_MS:
   * an admission or a call may commit between the join's commit and this add, and its removal
   * must win, or the index would hold a ticket that no longer waits.
   */
  addJoined(queueId: string, entries: readonly WaitingEntry[]): Promise<void>;
  /** Removes tickets (absent ones are ignored) and remembers them for `addJoined`. */
  remove(queueId: string, ticketIds: readonly string[]): Promise<void>;
  /** Zero-based rank in the waiting order, or null when the ticket is not waiting. */
  rank(queueId: string, ticketId: string): Promise<number | null>;
  /**
   * The same rank without waiting, offered only by an index held in this process, so that a
   * status poll answered from the node's caches never yields to the event loop.
   */
  readonly rankNow?: (queueId: string, ticketId: string) => number | null;
  /** Number of waiting tickets in the queue. */
  count(queueId: string): Promise<number>;
  /** Number of waiting tickets of every queue that has any, for audits against the database. */
  counts(): Promise<Map<string, number>>;
  /** Ticket ids in waiting order from `start` (inclusive), at most `limit`. */
  range(queueId: string, start: number, limit: number): Promise<string[]>;
  /** Every queue id the index holds entries for. */
  queueIds(): Promise<string[]>;
  dropQueue(queueId: string): Promise<void>;
  /**
   * Replaces the whole index with the given order (a rebuild). `namespace` builds a separate,
   * scratch copy instead (for comparison during disaster-recovery checks), leaving the live one.
   */
  replaceAll(order: ReadonlyMap<string, readonly WaitingEntry[]>, namespace?: string): Promise<void>;
  /** The full order per queue, from the live index or from a scratch namespace. */
  snapshot(namespace?: string): Promise<Map<string, string[]>>;
  dropNamespace(namespace: string): Promise<void>;
  /** False when the index has lost its data (Redis flushed or restarted) and needs a rebuild. */
  isBuilt(): Promise<boolean>;
  /** Entry count and bytes used, for reports. */
  stats(): Promise<{ entries: number; queues: number; bytes: number | null }>;
}

/** Cross-node messages: ticket changes for Server-Sent Events. */
export interface Bus {
  publish(channel: string, message: string): Promise<void>;
  /** Returns an unsubscribe function. */
  subscribe(channel: string, onMessage: (message: string) => void): Promise<() => Promise<void>>;
  /**
   * `listener` runs whenever messages may have been lost (the subscriber link was found dead and
   * dialled again), so that listeners resynchronise from the index. Returns a function that stops.
   */
  onGap(listener: () => void): () => void;
}

export interface RateDecision {
  readonly allowed: boolean;
  readonly remaining: number;
  readonly resetMs: number;
}

/** Sliding-window limits (at most `limit` hits in any `windowMs`), shared by all nodes in Redis mode. */
export interface RateLimiter {
  hit(key: string, limit: number, windowMs: number): Promise<RateDecision>;
}

export interface SweepResult {
  /** Rate-limit windows and other expiring keys removed. */
  readonly expiredKeysRemoved: number;
}

/** The live-state backend as a whole: one connection, several roles. */
export interface LiveBackend {
  readonly kind: 'memory' | 'redis';
  readonly index: LiveIndex;
  readonly bus: Bus;
  readonly limiter: RateLimiter;
  /** Removes expired rate-limit windows (Redis: SCAN, never KEYS). */
  sweep(now: number): Promise<SweepResult>;
  /** Resolves to the round-trip latency in ms; rejects with `unavailable` when unreachable. */
  ping(timeoutMs: number): Promise<number>;
  /** Redis only: raw INFO sections and CONFIG values for maintenance steps. */
  info?(section: string): Promise<Record<string, string>>;
  configGet?(name: string): Promise<string | null>;
  memoryPurge?(): Promise<boolean>;
  close(): Promise<void>;
}

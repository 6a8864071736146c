import type { TicketPriority, TicketRecord, WaitingEntry } from '../domain/types.js';

/** A waiting room's draw as stored: the seed stays sealed until the draw is made. */
export interface DrawRecord {
  readonly sealedSeed: string | null;
  readonly commitment: string | null;
  readonly seed: string | null;
  readonly drawnAt: Date | null;
  readonly drawnCount: number | null;
}

/** One ticket's place in a draw's order (`rank` 0 first). */
export interface DrawEntry {
  readonly rank: number;
  readonly ticketId: string;
  readonly priority: TicketPriority;
}

export interface SigningKeyRecord {
  readonly kid: string;
  /** One key per rotation period: every node agrees on which key a period uses. */
  readonly generation: number;
  /** Which seal key sealed the private half (a digest of it). */
  readonly sealId: string;
  readonly publicJwk: string;
  readonly sealedPrivate: string;
  readonly createdAt: Date;
  /** After this the key signs no more passes. */
  readonly retiresAt: Date;
  /** Published in the JWKS until every pass it signed has expired. */
  readonly publishedUntil: Date;
}

export type SessionOutcome =
  | { readonly kind: 'ok'; readonly ticket: TicketRecord }
  | { readonly kind: 'not_found' }
  | { readonly kind: 'conflict'; readonly reason: string };

/**
 * Waiting-room operations. Every admission takes the queue's row lock, so however many nodes run
 * the admission loop, each bucket credit and each ticket is spent once.
 */
export interface WaitingRoomStore {
  /** Queues in waiting-room mode with someone waiting and not paused: the admission loop's work. */
  busyRooms(): Promise<string[]>;
  /**
   * Admits what the room's settings allow now: its rate bucket (unless `passthrough`), its cap on
   * active sessions, its opening time; skips idle visitors. Returns the admitted tickets.
   */
  admit(queueId: string, now: Date): Promise<TicketRecord[]>;
  /** Waiting tickets not seen for the room's idle limit become `expired`; returns them. */
  expireIdle(queueId: string, now: Date): Promise<TicketRecord[]>;
  /** Records that a waiting visitor was seen (a status read, an open event stream). */
  touch(ticketId: string, now: Date): Promise<void>;
  /** Moves the end of an active session (`until` > now renews, `until` = now ends it). */
  setSession(ticketId: string, until: Date, now: Date): Promise<SessionOutcome>;
  /** Active sessions: admitted tickets whose session has not ended. */
  activeSessions(queueId: string, now: Date): Promise<number>;
  /** When the active sessions end (epoch ms), earliest first, at most `limit` of them. */
  sessionEnds(queueId: string, now: Date, limit: number): Promise<number[]>;
  /** The same for several queues in one read: per queue id, at most the `limits` entry of them. */
  sessionEndsOf(limits: ReadonlyMap<string, number>, now: Date): Promise<Map<string, number[]>>;

  draw(queueId: string): Promise<DrawRecord | null>;
  /** Stores a sealed seed and its commitment unless the room has one; returns the record in force. */
  commit(queueId: string, sealedSeed: string, commitment: string): Promise<DrawRecord>;
  /**
   * Orders the tickets that joined before `opensAt` by HMAC-SHA256(seed, id) within each priority
   * (they swap their seqs), publishes the seed, and returns the new entries; null when drawn already.
   */
  runDraw(queueId: string, seed: string, opensAt: Date, now: Date): Promise<WaitingEntry[] | null>;
  /** The draw's order as made, from `afterRank` on (exclusive; -1 for the start). */
  drawEntries(queueId: string, afterRank: number, limit: number): Promise<DrawEntry[]>;

  signingKeys(): Promise<SigningKeyRecord[]>;
  /** Adds a key unless its generation and seal key have one already (another node won); returns the key in force. */
  addSigningKey(key: SigningKeyRecord): Promise<SigningKeyRecord>;
}

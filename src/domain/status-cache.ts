import { timingSafeEqual } from 'node:crypto';
import type { TicketRecord } from './types.js';

/** Enough for a crowd polling at once; past it the cache starts again rather than grow. */
const MAX_ENTRIES = 100_000;
/** A bound on staleness from any change that did not pass through this node's service. */
const TTL_MS = 30_000;

interface Entry {
  readonly ticket: TicketRecord;
  readonly token: Buffer;
  readonly until: number;
}

/**
 * Waiting tickets whose token this node has already verified, for the status route of a single
 * node (the in-process backend: every change passes through this process and is forgotten here).
 * A hit needs no database read and no hash; the token must equal, byte for byte, one that matched
 * the stored hash, so a wrong token is never accepted (it takes the full path and is refused there).
 */
export class StatusCache {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly now: () => number = Date.now) {}

  /** The ticket, when `token` is the one verified for it and nothing changed it since. */
  get(id: string, token: string): TicketRecord | null {
    const e = this.entries.get(id);
    if (!e) return null;
    if (e.until <= this.now()) {
      this.entries.delete(id);
      return null;
    }
    const given = Buffer.from(token);
    return given.length === e.token.length && timingSafeEqual(given, e.token) ? e.ticket : null;
  }

  /** Keeps a waiting ticket whose token was just verified against its stored hash. */
  remember(t: TicketRecord, token: string): void {
    if (t.status !== 'waiting') return;
    if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
    this.entries.set(t.id, { ticket: t, token: Buffer.from(token), until: this.now() + TTL_MS });
  }

  forget(id: string): void {
    this.entries.delete(id);
  }

  clear(): void {
    this.entries.clear();
  }
}

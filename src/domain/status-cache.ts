import { timingSafeEqual } from 'node:crypto';
import type { Queue, TicketRecord } from './types.js';
import type { TicketView } from './views.js';

/** Enough for a crowd polling at once; past it the cache starts again rather than grow. */
const MAX_ENTRIES = 100_000;
/** A bound on staleness from any change that did not pass through this node's service. */
const TTL_MS = 30_000;

interface Entry {
  readonly ticket: TicketRecord;
  readonly token: Buffer;
  readonly until: number;
  /** The last answer and what it was built from: the same inputs give back the same object. */
  last: { readonly queue: Queue; readonly position: number; readonly view: TicketView } | null;
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
    return this.entry(id, token)?.ticket ?? null;
  }

  /**
   * The ticket's view at `position` in `queue` (the queue row the ETA is computed from), when
   * `token` is verified for it. While neither the position nor the queue row changes, this is the
   * very object returned last time, so a caller may keep what it derived from it by identity.
   */
  view(
    id: string,
    token: string,
    position: (t: TicketRecord) => { queue: Queue; position: number } | null,
    build: (t: TicketRecord, q: Queue, position: number) => TicketView,
  ): TicketView | null {
    const e = this.entry(id, token);
    if (!e) return null;
    const at = position(e.ticket);
    if (!at) return null;
    if (e.last && e.last.queue === at.queue && e.last.position === at.position) return e.last.view;
    const view = build(e.ticket, at.queue, at.position);
    e.last = { queue: at.queue, position: at.position, view };
    return view;
  }

  private entry(id: string, token: string): Entry | null {
    const e = this.entries.get(id);
    if (!e) return null;
    if (e.until <= this.now()) {
      this.entries.delete(id);
      return null;
    }
    const given = Buffer.from(token);
    return given.length === e.token.length && timingSafeEqual(given, e.token) ? e : null;
  }

  /** Keeps a waiting ticket whose token was just verified against its stored hash. */
  remember(t: TicketRecord, token: string): void {
    if (t.status !== 'waiting') return;
    if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
    this.entries.set(t.id, { ticket: t, token: Buffer.from(token), until: this.now() + TTL_MS, last: null });
  }

  forget(id: string): void {
    this.entries.delete(id);
  }

  clear(): void {
    this.entries.clear();
  }
}

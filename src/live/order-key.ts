import type { TicketPriority, WaitingEntry } from '../domain/types.js';

/**
 * One number that sorts a waiting entry: priority class first, then seq. Both backends use the
 * same key so they agree on the order, and Redis can keep it as a sorted-set score. A double holds
 * integers exactly up to 2^53, so a class band of 2^52 leaves room for two classes.
 */
export const CLASS_SPAN = 2 ** 52;

/** Lower sorts first: high priority is served before normal. */
const PRIORITY_RANK: Readonly<Record<TicketPriority, number>> = { high: 0, normal: 1 };

/** Rejects seqs that would collide across classes or lose precision (a caller bug, not data). */
function assertSeq(seq: number): void {
  if (!Number.isSafeInteger(seq) || seq < 0 || seq >= CLASS_SPAN) {
    throw new RangeError(`seq must be an integer in [0, 2^52), got ${String(seq)}`);
  }
}

/**
 * Requires a non-empty ticket id. Reading a character has a useful side effect: ids built by
 * concatenation (crypto.randomUUID() among them) are V8 cons-string trees of about 500 bytes, and
 * the read flattens them to about 56 before an index keeps them for the ticket's whole wait.
 * Using the result is what keeps the optimiser from dropping the read.
 */
function assertTicketId(id: string): void {
  if (typeof id !== 'string' || Number.isNaN(id.charCodeAt(0)))
    throw new RangeError('ticketId must be a non-empty string');
}

export function orderKey(entry: WaitingEntry): number {
  assertTicketId(entry.ticketId);
  assertSeq(entry.seq);
  const rank = PRIORITY_RANK[entry.priority];
  if (rank === undefined) throw new RangeError(`unknown priority ${String(entry.priority)}`);
  return rank * CLASS_SPAN + entry.seq;
}

/** Ranges use non-negative integers; anything else is clamped the same way by both backends. */
export function normalizeWindow(start: number, limit: number): { start: number; limit: number } {
  const s = Number.isFinite(start) ? Math.max(0, Math.floor(start)) : 0;
  const l = limit === Infinity ? Number.MAX_SAFE_INTEGER : Number.isFinite(limit) ? Math.max(0, Math.floor(limit)) : 0;
  return { start: s, limit: l };
}

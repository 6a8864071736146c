import { createHash, createHmac } from 'node:crypto';
import type { TicketPriority } from './types.js';

/** The draw's sort key: anyone holding the seed and a ticket id can compute it. */
export const drawKey = (seed: string, ticketId: string): string =>
  createHmac('sha256', seed).update(ticketId).digest('hex');

/** A bad order can break every place after it; the first few say enough. */
const MAX_PROBLEMS = 20;

/** What a room publishes of its draw (`GET /api/queues/:id/draw` and `/draw/entries`). */
export interface PublishedDraw {
  readonly queueId: string;
  readonly method: string;
  readonly commitment: string | null;
  readonly seed: string | null;
  readonly drawnAt: string | null;
  readonly drawnCount: number | null;
  readonly entries: readonly { readonly rank: number; readonly ticketId: string; readonly priority: TicketPriority }[];
}

export interface DrawCheck {
  readonly queueId: string;
  /** `verified`: every check held; `failed`: one did not; `not_drawn`: nothing to check yet. */
  readonly status: 'verified' | 'failed' | 'not_drawn';
  readonly commitment: string | null;
  readonly seed: string | null;
  readonly drawnAt: string | null;
  readonly entries: number;
  /** Each given ticket's place in the drawn order (1 = first), or null when it took no part. */
  readonly tickets: readonly { readonly ticketId: string; readonly place: number | null }[];
  readonly problems: readonly string[];
}

/**
 * Checks a draw from what the room published: the seed hashes to the commitment published before
 * it (and to the one the visitor noted, if given), the published order has as many tickets as the
 * draw says, and within each priority it is the order of HMAC-SHA256(seed, ticket id).
 */
export function checkDraw(
  d: PublishedDraw,
  opts: { commitment?: string; tickets?: readonly string[] } = {},
): DrawCheck {
  const base = { queueId: d.queueId, commitment: d.commitment, seed: d.seed, drawnAt: d.drawnAt };
  const problems: string[] = [];
  const tickets = (opts.tickets ?? []).map((ticketId) => {
    const i = d.entries.findIndex((e) => e.ticketId === ticketId);
    return { ticketId, place: i < 0 ? null : i + 1 };
  });
  if (opts.commitment !== undefined && d.commitment !== null && opts.commitment.toLowerCase() !== d.commitment)
    problems.push(`the room publishes commitment ${d.commitment}, not the ${opts.commitment} given`);
  if (d.seed === null || d.drawnAt === null)
    return { ...base, status: problems.length ? 'failed' : 'not_drawn', entries: 0, tickets, problems };

  const hashed = createHash('sha256').update(d.seed).digest('hex');
  if (hashed !== d.commitment) problems.push(`sha256(seed) is ${hashed}, not the commitment ${d.commitment}`);
  if (d.entries.length !== d.drawnCount)
    problems.push(`the draw says it ordered ${d.drawnCount} tickets; ${d.entries.length} are published`);
  const ids = new Set(d.entries.map((e) => e.ticketId));
  if (ids.size !== d.entries.length) problems.push('a ticket appears twice in the published order');
  let seenNormal = false;
  const last: Partial<Record<TicketPriority, string>> = {};
  for (const [i, e] of d.entries.entries()) {
    if (e.rank !== i) problems.push(`place ${i + 1} has rank ${e.rank}`);
    if (e.priority === 'normal') seenNormal = true;
    else if (seenNormal) problems.push(`high-priority ticket ${e.ticketId} comes after a normal one`);
    const key = drawKey(d.seed, e.ticketId);
    const prev = last[e.priority];
    if (prev !== undefined && prev >= key)
      problems.push(`ticket ${e.ticketId} (place ${i + 1}) is out of the HMAC order`);
    last[e.priority] = key;
  }
  for (const t of tickets) if (t.place === null) problems.push(`ticket ${t.ticketId} is not in the draw`);
  const shown =
    problems.length > MAX_PROBLEMS
      ? [...problems.slice(0, MAX_PROBLEMS), `and ${problems.length - MAX_PROBLEMS} more`]
      : problems;
  return {
    ...base,
    status: problems.length ? 'failed' : 'verified',
    entries: d.entries.length,
    tickets,
    problems: shown,
  };
}

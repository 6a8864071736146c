import { sql, type Kysely } from 'kysely';
import type { TicketRecord, TicketStatus, WaitingEntry } from '../../domain/types.js';
import { AppError } from '../../errors/index.js';
import type { TicketPage } from '../contract.js';
import { CURSOR_PARTS, decodeCursor, encodeCursor, priorityName, toTicket } from './rows.js';
import type { DB } from './schema.js';

/** Ticket operations: joins in `join.ts`, status changes in `transitions.ts`, reads here. */
export { joinMany } from './join.js';
export { callNext, expireWaiting, queueOfTicket, transition } from './transitions.js';

export async function listTickets(
  db: Kysely<DB>,
  queueId: string,
  opts: { status?: TicketStatus; limit: number; cursor?: string },
): Promise<TicketPage> {
  let q = db.selectFrom('tickets').selectAll().where('queue_id', '=', queueId);
  if (opts.status) q = q.where('status', '=', opts.status);
  if (opts.cursor !== undefined) {
    const c = decodeCursor(opts.cursor, [CURSOR_PARTS.rank, CURSOR_PARTS.count]);
    if (!c) throw new AppError('validation_failed', 'cursor is not one this server issued');
    const [prio, seq] = c as [number, number];
    q = q.where((eb) => eb.or([eb('priority', '>', prio), eb.and([eb('priority', '=', prio), eb('seq', '>', seq)])]));
  }
  const rows = await q
    .orderBy('priority')
    .orderBy('seq')
    .limit(opts.limit + 1)
    .execute();
  const items = rows.slice(0, opts.limit).map(toTicket);
  const last = rows.length > opts.limit ? rows[opts.limit - 1] : undefined;
  return { items, nextCursor: last ? encodeCursor([Number(last.priority), Number(last.seq)]) : null };
}

/**
 * Read through the partial index `tickets_now_serving` (migration 015): the condition on `status`
 * and the order (the latest announcement, a recall's or else the call's) are the index's own, so
 * both engines walk it backwards from the newest and stop at `limit`.
 */
export async function nowServing(db: Kysely<DB>, queueId: string, limit: number): Promise<TicketRecord[]> {
  const rows = await db
    .selectFrom('tickets')
    .selectAll()
    .where('queue_id', '=', queueId)
    .where('status', '=', 'called')
    .orderBy(sql`coalesce(recalled_at, called_at)`, 'desc')
    .limit(limit)
    .execute();
  return rows.map(toTicket);
}

export async function waitingEntries(db: Kysely<DB>, queueId?: string): Promise<Map<string, WaitingEntry[]>> {
  let q = db.selectFrom('tickets').select(['id', 'queue_id', 'priority', 'seq']).where('status', '=', 'waiting');
  if (queueId !== undefined) q = q.where('queue_id', '=', queueId);
  const out = new Map<string, WaitingEntry[]>();
  for (const r of await q.orderBy('queue_id').orderBy('priority').orderBy('seq').execute()) {
    let list = out.get(r.queue_id);
    if (!list) out.set(r.queue_id, (list = []));
    list.push({ ticketId: r.id, priority: priorityName(Number(r.priority)), seq: Number(r.seq) });
  }
  return out;
}

/** Waiting tickets per queue from the queues' own counters: one row per queue, however many wait. */
export async function waitingCounts(db: Kysely<DB>): Promise<Map<string, number>> {
  const rows = await db.selectFrom('queues').select(['id', 'waiting_count']).where('waiting_count', '>', 0).execute();
  return new Map(rows.map((r) => [r.id, Number(r.waiting_count)]));
}

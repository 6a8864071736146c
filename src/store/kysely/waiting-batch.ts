import type { ExpressionBuilder, Selectable, Transaction } from 'kysely';
import { highDelta } from './positions.js';
import { EVENT_OF_STATUS, recordEvents } from './outbox.js';
import type { DB, QueuesTable, TicketsTable } from './schema.js';
import { measureQuote, nextEwma } from './transitions.js';

/**
 * Which waiting tickets a batch takes, front of the line first: those seen at or after
 * `seenSince` (admission skips idle visitors), or those not seen since `seenBefore` (idle expiry).
 */
export type WaitingBatch = { readonly limit: number; readonly now: number } & (
  | { readonly to: 'admitted'; readonly admittedUntil: number; readonly seenSince: number }
  | { readonly to: 'expired'; readonly seenBefore: number }
);

/**
 * Moves up to `limit` waiting tickets out of the line in one UPDATE, then writes the queue's
 * counters once and the batch's events: what `applyChange` does ticket by ticket, in a constant
 * number of statements however many move. The caller holds the queue's row lock (`q` is the row
 * it returned), so no other writer moves these tickets meanwhile.
 */
export async function moveWaiting(
  trx: Transaction<DB>,
  q: Selectable<QueuesTable>,
  b: WaitingBatch,
): Promise<Selectable<TicketsTable>[]> {
  if (b.limit <= 0) return [];
  const { now } = b;
  // The same expression as the partial index `tickets_waiting_seen` (migration 014).
  const seen = (eb: ExpressionBuilder<DB, 'tickets'>) => {
    const at = eb.fn.coalesce('seen_at', 'created_at');
    return b.to === 'admitted' ? eb(at, '>=', b.seenSince) : eb(at, '<', b.seenBefore);
  };
  const front = trx
    .selectFrom('tickets')
    .select('id')
    .where('queue_id', '=', q.id)
    .where('status', '=', 'waiting')
    .where(seen)
    .orderBy('priority')
    .orderBy('seq')
    .limit(b.limit);
  const moved = await trx
    .updateTable('tickets')
    .set({
      status: b.to,
      ended_at: now,
      updated_at: now,
      ...(b.to === 'admitted' ? { called_at: now, admitted_until: b.admittedUntil } : {}),
    })
    .where('id', 'in', front)
    .where('status', '=', 'waiting')
    .returningAll()
    .execute();
  if (moved.length === 0) return [];
  // RETURNING promises no order; events and callers see the line's.
  const rows = moved.sort((x, y) => Number(x.priority) - Number(y.priority) || Number(x.seq) - Number(y.seq));

  const waiting = Number(q.waiting_count) - rows.length;
  const waitingHigh = rows.reduce((n, r) => n + highDelta(Number(r.priority), true, false), Number(q.waiting_high));
  let calibrated: Pick<Selectable<QueuesTable>, 'eta_scale' | 'eta_window'> | null = null;
  if (b.to === 'admitted')
    for (const r of rows) {
      // Every admission ends a quoted wait; the calibration folds them in line order, as one by one.
      const c = measureQuote({ ...q, ...calibrated }, { ...r, called_at: null }, now);
      if (c) calibrated = c;
    }
  await trx
    .updateTable('queues')
    .set({
      waiting_count: waiting,
      waiting_high: waitingHigh,
      updated_at: now,
      // The batch's admissions share one instant: only the first is a service-time sample.
      ...(b.to === 'admitted' ? { last_completed_at: now, ...nextEwma(q, now, Number(q.waiting_count) - 1) } : {}),
      ...(calibrated ?? {}),
    })
    .where('id', '=', q.id)
    .execute();
  const type = EVENT_OF_STATUS[b.to];
  await recordEvents(
    trx,
    q,
    type ? rows.map((row) => ({ type, row, position: null })) : [],
    now,
    rows.map((r) => ({ priority: Number(r.priority), seq: Number(r.seq) })),
  );
  return rows;
}

import type { Insertable, Kysely, Selectable } from 'kysely';
import { EMAIL_CHANNEL, type WebhookEvent } from '../webhook-contract.js';
import { hooksFor } from './hook-sets.js';
import { PRIORITY_RANKS } from './rows.js';
import type { DB, QueuesTable, TicketsTable, WebhookDeliveriesTable } from './schema.js';

/** One ticket event as the change's transaction sees it. */
export interface ChangeEvent {
  readonly type: WebhookEvent;
  readonly row: Selectable<TicketsTable>;
  readonly position: number | null;
}

const DEFAULT_NOTIFY_AT = 3;

/** The event a ticket's new status announces; a requeue (back to waiting) announces none. */
export const EVENT_OF_STATUS: Partial<Record<string, WebhookEvent>> = {
  called: 'ticket.called',
  admitted: 'ticket.admitted',
  served: 'ticket.served',
  no_show: 'ticket.no_show',
  left: 'ticket.left',
  expired: 'ticket.expired',
};
const INSERT_CHUNK = 500;

/** The ticket's public fields at the event; name and contact are added at sending, by opt-in. */
function eventData(row: Selectable<TicketsTable>, position: number | null): string {
  return JSON.stringify({
    id: row.id,
    queueId: row.queue_id,
    number: Number(row.number),
    status: row.status,
    priority: Number(row.priority) === PRIORITY_RANKS[0] ? 'high' : 'normal',
    position,
    counter: row.counter,
    // A ticket.called with recalls > 0 announces the call again (POST /api/tickets/:id/recall).
    recalls: Number(row.recalls ?? 0),
  });
}

const subscribed = (events: string, type: WebhookEvent): boolean => events.includes(`"${type}"`);

/**
 * Writes the outbox rows of a change inside its transaction: one per event and subscribed webhook.
 * The webhooks come from `hooksFor`, exact as of this transaction (a webhook created a moment ago
 * on another node gets this change's events) without a read while they stay the same. `left` (the
 * places tickets just gave up in the waiting order) adds `ticket.near` for each ticket that moved
 * up to the queue's `notifyAtPosition`, once per ticket.
 */
export async function recordEvents(
  trx: Kysely<DB>,
  q: Pick<Selectable<QueuesTable>, 'id' | 'settings' | 'hooks_tag'>,
  events: readonly ChangeEvent[],
  now: number,
  left: readonly WaitingPlace[] = [],
): Promise<void> {
  if (events.length === 0 && left.length === 0) return;
  const hooks = await hooksFor(trx, q);
  if (hooks.length === 0) return;
  const all = [...events];
  if (left.length > 0 && hooks.some((h) => subscribed(h.events, 'ticket.near')))
    all.push(...(await nearTickets(trx, q, left)));
  const rows: Insertable<WebhookDeliveriesTable>[] = [];
  for (const e of all) {
    const data = eventData(e.row, e.position);
    const email = e.row.contact?.includes('@') === true;
    for (const h of hooks)
      if (subscribed(h.events, e.type) && (email || h.id !== EMAIL_CHANNEL.id))
        rows.push({
          webhook_id: h.id,
          ticket_id: e.row.id,
          queue_id: e.row.queue_id,
          type: e.type,
          data,
          occurred_at: now,
          next_attempt_at: now,
        });
  }
  for (let i = 0; i < rows.length; i += INSERT_CHUNK)
    await trx
      .insertInto('webhook_deliveries')
      .values(rows.slice(i, i + INSERT_CHUNK))
      .execute();
}

/** A place in the waiting order: priority rank first, then arrival. */
export interface WaitingPlace {
  readonly priority: number;
  readonly seq: number;
}

const ahead = (a: WaitingPlace, priority: number, seq: number): boolean =>
  a.priority < priority || (a.priority === priority && a.seq < seq);

/**
 * The waiting tickets that reached `notifyAtPosition` because places in `left` ahead of them were
 * given up (a ticket that leaves from behind moves nobody up), unless told before. With k places
 * given up, only the k tickets up to that position can have crossed it.
 */
async function nearTickets(
  trx: Kysely<DB>,
  q: Pick<Selectable<QueuesTable>, 'id' | 'settings'>,
  left: readonly WaitingPlace[],
): Promise<ChangeEvent[]> {
  const at = Number((JSON.parse(q.settings) as { notifyAtPosition?: number }).notifyAtPosition ?? DEFAULT_NOTIFY_AT);
  if (!(at >= 1)) return [];
  const from = Math.max(0, at - left.length);
  const rows = await trx
    .selectFrom('tickets')
    .selectAll()
    .where('queue_id', '=', q.id)
    .where('status', '=', 'waiting')
    .orderBy('priority')
    .orderBy('seq')
    .limit(at - from)
    .offset(from)
    .execute();
  // A ticket now at `position` was behind `at` before if enough of the given-up places were ahead of it.
  const crossed = rows
    .map((row, i) => ({ row, position: from + i + 1 }))
    .filter(
      ({ row, position }) => position + left.filter((l) => ahead(l, Number(row.priority), Number(row.seq))).length > at,
    );
  if (crossed.length === 0) return [];
  const told = new Set(
    (
      await trx
        .selectFrom('webhook_deliveries')
        .select('ticket_id')
        .where(
          'ticket_id',
          'in',
          crossed.map((c) => c.row.id),
        )
        .where('type', '=', 'ticket.near')
        .execute()
    ).map((r) => r.ticket_id),
  );
  return crossed.filter((c) => !told.has(c.row.id)).map((c) => ({ type: 'ticket.near', ...c }));
}

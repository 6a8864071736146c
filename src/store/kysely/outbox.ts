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
 * on another node gets this change's events) without a read while they stay the same. `left` (the place a ticket just gave up in the waiting order) adds
 * `ticket.near` for the ticket that moved up to the queue's `notifyAtPosition`, once per ticket.
 */
export async function recordEvents(
  trx: Kysely<DB>,
  q: Pick<Selectable<QueuesTable>, 'id' | 'settings' | 'hooks_tag'>,
  events: readonly ChangeEvent[],
  now: number,
  left: WaitingPlace | null = null,
): Promise<void> {
  if (events.length === 0 && left === null) return;
  const hooks = await hooksFor(trx, q);
  if (hooks.length === 0) return;
  const all = [...events];
  if (left !== null && hooks.some((h) => subscribed(h.events, 'ticket.near'))) {
    const near = await nearTicket(trx, q, left);
    if (near) all.push(near);
  }
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

/**
 * The waiting ticket now at `notifyAtPosition`, if it got there because `left` was ahead of it
 * (a ticket that leaves from behind moves nobody up), and unless it was told before.
 */
async function nearTicket(
  trx: Kysely<DB>,
  q: Pick<Selectable<QueuesTable>, 'id' | 'settings'>,
  left: WaitingPlace,
): Promise<ChangeEvent | null> {
  const at = Number((JSON.parse(q.settings) as { notifyAtPosition?: number }).notifyAtPosition ?? DEFAULT_NOTIFY_AT);
  if (!(at >= 1)) return null;
  const row = await trx
    .selectFrom('tickets')
    .selectAll()
    .where('queue_id', '=', q.id)
    .where('status', '=', 'waiting')
    .orderBy('priority')
    .orderBy('seq')
    .limit(1)
    .offset(at - 1)
    .executeTakeFirst();
  if (!row) return null;
  const priority = Number(row.priority);
  const wasAhead = left.priority < priority || (left.priority === priority && left.seq < Number(row.seq));
  if (!wasAhead) return null;
  const told = await trx
    .selectFrom('webhook_deliveries')
    .select('id')
    .where('ticket_id', '=', row.id)
    .where('type', '=', 'ticket.near')
    .limit(1)
    .executeTakeFirst();
  return told ? null : { type: 'ticket.near', row, position: at };
}

import type { Insertable, Kysely, Selectable, Transaction } from 'kysely';
import { admissionEta } from '../../domain/admission-eta.js';
import { estimateWait } from '../../domain/eta.js';
import { numberingAt } from '../../domain/numbering.js';
import type { Queue, QueueSettings, TicketRecord } from '../../domain/types.js';
import { AppError } from '../../errors/index.js';
import type { JoinOutcome, JoinRequest } from '../contract.js';
import type { DialectParts } from './dialect.js';
import { recordEvents, type ChangeEvent } from './outbox.js';
import { positionsAtBack } from './positions.js';
import { lockQueue } from './queue-lock.js';
import { withQuoteEnds } from './sessions.js';
import { priorityRank, toQueue, toTicket } from './rows.js';
import type { DB, QueuesTable, TicketsTable } from './schema.js';

const IDEMPOTENCY_TTL_MS = 24 * 3_600_000;
/** SQLite allows 32,766 bound values; 14 columns × 1,000 rows stays well inside it. */
const INSERT_CHUNK = 1000;

async function insertChunks(trx: Kysely<DB>, rows: readonly Insertable<TicketsTable>[]): Promise<void> {
  for (let i = 0; i < rows.length; i += INSERT_CHUNK)
    await trx
      .insertInto('tickets')
      .values(rows.slice(i, i + INSERT_CHUNK))
      .execute();
}

function ticketRows(
  queueId: string,
  reqs: readonly JoinRequest[],
  firstNumber: number,
  firstSeq: number,
  epoch: number,
  now: number,
  quote: { queue: Queue; positions: readonly number[] },
): Selectable<TicketsTable>[] {
  return reqs.map((r, i) => {
    // The range the join answers with, kept to be measured against the real wait.
    const position = quote.positions[i] as number;
    const eta =
      quote.queue.mode === 'waiting_room'
        ? admissionEta(quote.queue, position, now)
        : estimateWait(quote.queue, position);
    return {
      id: r.id,
      queue_id: queueId,
      number: firstNumber + i,
      status: 'waiting',
      priority: priorityRank(r.priority),
      seq: firstSeq + i,
      token_hash: r.tokenHash,
      name: r.name,
      contact: r.contact,
      metadata: r.metadata === null ? null : JSON.stringify(r.metadata),
      counter: null,
      created_at: now,
      called_at: null,
      ended_at: null,
      updated_at: now,
      eta_low: eta?.lowSeconds ?? null,
      eta_high: eta?.highSeconds ?? null,
      admitted_until: null,
      seen_at: null,
      number_epoch: epoch,
      lang: r.lang ?? null,
      recalls: 0,
      recalled_at: null,
    };
  });
}

const highCount = (reqs: readonly JoinRequest[]): number => reqs.filter((r) => r.priority === 'high').length;

/**
 * The common batch: no idempotency keys and an open queue with room for all of it. One statement
 * takes the queue's lock, checks status and capacity and reserves the numbers, a round trip fewer
 * than locking first and updating after. Without a row back (closed, full, no such queue, or a
 * daily numbering whose day just ended) nothing was changed or locked, and the batch goes the
 * general way.
 */
async function reserveAll(
  trx: Transaction<DB>,
  queueId: string,
  reqs: readonly JoinRequest[],
  now: number,
): Promise<Selectable<QueuesTable> | undefined> {
  const n = reqs.length;
  return trx
    .updateTable('queues')
    .set((eb) => ({
      updated_at: now,
      last_number: eb('last_number', '+', n),
      last_seq: eb('last_seq', '+', n),
      waiting_count: eb('waiting_count', '+', n),
      waiting_high: eb('waiting_high', '+', highCount(reqs)),
    }))
    .where('id', '=', queueId)
    .where('status', '!=', 'closed')
    .where((eb) => eb.or([eb('capacity', 'is', null), eb(eb('waiting_count', '+', n), '<=', eb.ref('capacity'))]))
    .where((eb) => eb.or([eb('number_resets_at', 'is', null), eb('number_resets_at', '>', now)]))
    .returningAll()
    .executeTakeFirst();
}

/**
 * Outcomes of a batch that was written whole, from the queue row after it; `queue` is that row with
 * what its quote needs (a capped room's sessions).
 */
function allJoined(
  queueId: string,
  reqs: readonly JoinRequest[],
  after: Selectable<QueuesTable>,
  now: number,
  queue: Queue = toQueue(after),
): { rows: Selectable<TicketsTable>[]; outcomes: JoinOutcome[] } {
  const positions = positionsAtBack(
    after,
    reqs.map((r) => r.priority),
  );
  const rows = ticketRows(
    queueId,
    reqs,
    Number(after.last_number) - reqs.length + 1,
    Number(after.last_seq) - reqs.length + 1,
    Number(after.number_epoch),
    now,
    { queue, positions },
  );
  return {
    rows,
    outcomes: rows.map((r, i): JoinOutcome => ({
      kind: 'joined',
      ticket: toTicket(r),
      queue,
      position: positions[i] as number,
    })),
  };
}

/**
 * A join batch. A request refused (closed, full, no such queue) or replayed changes nothing; the
 * queue row is written only when at least one ticket is added.
 */
export async function joinMany(
  db: Kysely<DB>,
  queueId: string,
  reqs: readonly JoinRequest[],
  at: Date,
  d: Pick<DialectParts, 'insertTickets' | 'joinInOneStatement'> = {},
): Promise<JoinOutcome[]> {
  const now = at.getTime();
  const insert = d.insertTickets ?? insertChunks;
  const plain = reqs.every((r) => r.idempotencyKey === null);
  if (plain && d.joinInOneStatement) {
    const after = await d.joinInOneStatement(db, queueId, reqs, now);
    if (after) return allJoined(queueId, reqs, after, now).outcomes;
  }
  return db.transaction().execute(async (trx) => {
    if (plain && !d.joinInOneStatement) {
      const reserved = await reserveAll(trx, queueId, reqs, now);
      if (reserved) {
        const queue = await withQuoteEnds(trx, toQueue(reserved), now);
        const whole = allJoined(queueId, reqs, reserved, now, queue);
        await insert(trx, whole.rows);
        await recordEvents(trx, reserved, joinedEvents(whole.rows, whole.outcomes), now);
        return whole.outcomes;
      }
    }
    const q = await lockQueue(trx, queueId);
    if (!q) return reqs.map(() => ({ kind: 'rejected', code: 'not_found' }) as const);
    return generalBatch(trx, q, reqs, now, insert);
  });
}

function joinedEvents(rows: readonly Selectable<TicketsTable>[], outcomes: readonly JoinOutcome[]): ChangeEvent[] {
  return rows.map((row, i) => {
    const o = outcomes[i];
    return { type: 'ticket.joined', row, position: o?.kind === 'joined' ? o.position : null };
  });
}

/** Idempotency keys, or a queue that refuses some of the batch: request by request. */
async function generalBatch(
  trx: Transaction<DB>,
  q: Selectable<QueuesTable>,
  reqs: readonly JoinRequest[],
  now: number,
  insert: (trx: Kysely<DB>, rows: readonly Insertable<TicketsTable>[]) => Promise<void>,
): Promise<JoinOutcome[]> {
  const queueId = q.id;
  const keys = reqs.map((r) => r.idempotencyKey).filter((k): k is string => k !== null);
  const seen = new Map<string, { ticketId: string; sealed: string | null }>();
  if (keys.length > 0) {
    const rows = await trx
      .selectFrom('idempotency_keys')
      .select(['key', 'ticket_id', 'sealed_token'])
      .where('queue_id', '=', queueId)
      .where('key', 'in', keys)
      .where('expires_at', '>', now)
      .execute();
    for (const r of rows) seen.set(r.key, { ticketId: r.ticket_id, sealed: r.sealed_token });
  }
  const out: (JoinOutcome | null)[] = [];
  const fresh: JoinRequest[] = [];
  let waiting = Number(q.waiting_count);
  for (const r of reqs) {
    if (r.idempotencyKey !== null && seen.has(r.idempotencyKey)) {
      out.push(null);
      continue;
    }
    if (q.status === 'closed') out.push({ kind: 'rejected', code: 'queue_closed' });
    else if (q.capacity !== null && waiting >= Number(q.capacity)) out.push({ kind: 'rejected', code: 'queue_full' });
    else {
      waiting += 1;
      fresh.push(r);
      out.push(null);
      if (r.idempotencyKey !== null) seen.set(r.idempotencyKey, { ticketId: r.id, sealed: r.sealedToken });
    }
  }
  // The first join after a daily queue's local midnight starts a new cycle at number 1.
  const numbering = numberingAt(
    {
      settings: JSON.parse(q.settings) as Partial<QueueSettings>,
      lastNumber: Number(q.last_number),
      epoch: Number(q.number_epoch),
      resetsAt: q.number_resets_at === null ? null : Number(q.number_resets_at),
    },
    now,
  );
  const firstNumber = numbering.lastNumber + 1;
  const firstSeq = Number(q.last_seq) + 1;
  const after =
    fresh.length > 0
      ? {
          ...q,
          number_epoch: numbering.epoch,
          number_resets_at: numbering.resetsAt,
          last_number: firstNumber + fresh.length - 1,
          last_seq: firstSeq + fresh.length - 1,
          waiting_count: waiting,
          waiting_high: Number(q.waiting_high) + highCount(fresh),
          updated_at: now,
        }
      : q;
  const queue = fresh.length > 0 ? await withQuoteEnds(trx, toQueue(after), now) : toQueue(after);
  const positions = positionsAtBack(
    after,
    fresh.map((r) => r.priority),
  );
  const rows = ticketRows(queueId, fresh, firstNumber, firstSeq, numbering.epoch, now, { queue, positions });
  await insert(trx, rows);
  await keepKeys(trx, queueId, fresh, now);
  if (rows.length > 0)
    await trx
      .updateTable('queues')
      .set({
        last_number: after.last_number,
        number_epoch: after.number_epoch,
        number_resets_at: after.number_resets_at,
        last_seq: after.last_seq,
        waiting_count: after.waiting_count,
        waiting_high: after.waiting_high,
        updated_at: now,
      })
      .where('id', '=', queueId)
      .execute();
  const created = new Map(rows.map((r, i) => [r.id, { ticket: toTicket(r), position: positions[i] as number }]));
  await recordEvents(
    trx,
    q,
    rows.map((row, i) => ({ type: 'ticket.joined', row, position: positions[i] as number })),
    now,
  );
  const replayIds = [...seen.values()].map((s) => s.ticketId).filter((id) => !created.has(id));
  const replayed = new Map<string, TicketRecord>();
  if (replayIds.length > 0)
    for (const t of await trx.selectFrom('tickets').selectAll().where('id', 'in', replayIds).execute())
      replayed.set(t.id, toTicket(t));
  return reqs.map((r, i): JoinOutcome => {
    const decided = out[i];
    if (decided) return decided;
    const mine = created.get(r.id);
    if (mine) return { kind: 'joined', ticket: mine.ticket, queue, position: mine.position };
    const prior = seen.get(r.idempotencyKey as string);
    const ticket = prior && (created.get(prior.ticketId)?.ticket ?? replayed.get(prior.ticketId));
    if (!prior || !ticket) throw new AppError('internal', 'idempotency record points at a missing ticket');
    return { kind: 'replayed', ticket, sealedToken: prior.sealed, queue };
  });
}

/** Records the idempotency keys of new tickets; an expired key still in the table is taken over. */
async function keepKeys(trx: Transaction<DB>, queueId: string, fresh: readonly JoinRequest[], now: number) {
  const idem = fresh
    .filter((r) => r.idempotencyKey !== null)
    .map((r) => ({
      queue_id: queueId,
      key: r.idempotencyKey as string,
      ticket_id: r.id,
      sealed_token: r.sealedToken,
      created_at: now,
      expires_at: now + IDEMPOTENCY_TTL_MS,
    }));
  if (idem.length === 0) return;
  await trx
    .deleteFrom('idempotency_keys')
    .where('queue_id', '=', queueId)
    .where(
      'key',
      'in',
      idem.map((k) => k.key),
    )
    .execute();
  await trx.insertInto('idempotency_keys').values(idem).execute();
}

import type { Insertable, Kysely, Selectable, Transaction } from 'kysely';
import type { TicketRecord, TicketStatus, WaitingEntry } from '../../domain/types.js';
import type { JoinOutcome, JoinRequest, TicketPage, TransitionChange, TransitionOutcome } from '../contract.js';
import type { CallHints } from './call-hints.js';
import {
  CURSOR_PARTS,
  decodeCursor,
  encodeCursor,
  priorityName,
  priorityRank,
  PRIORITY_RANKS,
  toQueue,
  toTicket,
} from './rows.js';
import { ENDED } from './fold.js';
import type { DialectParts } from './dialect.js';
import type { DB, QueuesTable, TicketsTable } from './schema.js';
import { AppError } from '../../errors/index.js';

const IDEMPOTENCY_TTL_MS = 24 * 3_600_000;
/** SQLite allows 32,766 bound values; 14 columns × 1,000 rows stays well inside it. */
const INSERT_CHUNK = 1000;
const EWMA_ALPHA = 0.2;
/** A gap longer than this between completions means the desk was idle, not slow. */
const MAX_SAMPLE_SECONDS = 3600;

/** Takes the queue's row lock (PostgreSQL) inside the transaction, so one queue's writes serialize. */
async function lockQueue(
  trx: Transaction<DB>,
  queueId: string,
  now: number,
): Promise<Selectable<QueuesTable> | undefined> {
  return trx.updateTable('queues').set({ updated_at: now }).where('id', '=', queueId).returningAll().executeTakeFirst();
}

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
  now: number,
): Selectable<TicketsTable>[] {
  return reqs.map((r, i) => ({
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
  }));
}

/**
 * The common batch: no idempotency keys and an open queue with room for all of it. One statement
 * takes the queue's lock, checks status and capacity and reserves the numbers, a round trip fewer
 * than locking first and updating after. Without a row back (closed, full, no such queue) nothing
 * was changed or locked, and the batch goes the general way.
 */
async function reserveAll(
  trx: Transaction<DB>,
  queueId: string,
  n: number,
  now: number,
): Promise<Selectable<QueuesTable> | undefined> {
  return trx
    .updateTable('queues')
    .set((eb) => ({
      updated_at: now,
      last_number: eb('last_number', '+', n),
      last_seq: eb('last_seq', '+', n),
      waiting_count: eb('waiting_count', '+', n),
    }))
    .where('id', '=', queueId)
    .where('status', '!=', 'closed')
    .where((eb) => eb.or([eb('capacity', 'is', null), eb(eb('waiting_count', '+', n), '<=', eb.ref('capacity'))]))
    .returningAll()
    .executeTakeFirst();
}

/** Outcomes of a batch that was written whole, from the queue row after it. */
function allJoined(
  queueId: string,
  reqs: readonly JoinRequest[],
  after: Selectable<QueuesTable>,
  now: number,
): { rows: Selectable<TicketsTable>[]; outcomes: JoinOutcome[] } {
  const rows = ticketRows(
    queueId,
    reqs,
    Number(after.last_number) - reqs.length + 1,
    Number(after.last_seq) - reqs.length + 1,
    now,
  );
  const queue = toQueue(after);
  return { rows, outcomes: rows.map((r): JoinOutcome => ({ kind: 'joined', ticket: toTicket(r), queue })) };
}

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
      const reserved = await reserveAll(trx, queueId, reqs.length, now);
      if (reserved) {
        const whole = allJoined(queueId, reqs, reserved, now);
        await insert(trx, whole.rows);
        return whole.outcomes;
      }
    }
    const q = await lockQueue(trx, queueId, now);
    if (!q) return reqs.map(() => ({ kind: 'rejected', code: 'not_found' }) as const);
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
    const firstNumber = Number(q.last_number) + 1;
    const firstSeq = Number(q.last_seq) + 1;
    const rows = ticketRows(queueId, fresh, firstNumber, firstSeq, now);
    await insert(trx, rows);
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
    if (idem.length > 0) {
      // An expired key may still sit in the table until clean-up; the new join takes it over.
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
    if (rows.length > 0)
      await trx
        .updateTable('queues')
        .set({
          last_number: firstNumber + rows.length - 1,
          last_seq: firstSeq + rows.length - 1,
          waiting_count: waiting,
        })
        .where('id', '=', queueId)
        .execute();
    const queue = toQueue(
      rows.length > 0
        ? {
            ...q,
            last_number: firstNumber + rows.length - 1,
            last_seq: firstSeq + rows.length - 1,
            waiting_count: waiting,
          }
        : q,
    );
    const created = new Map(rows.map((r) => [r.id, toTicket(r)]));
    const replayIds = [...seen.values()].map((s) => s.ticketId).filter((id) => !created.has(id));
    const replayed = new Map<string, TicketRecord>();
    if (replayIds.length > 0)
      for (const t of await trx.selectFrom('tickets').selectAll().where('id', 'in', replayIds).execute())
        replayed.set(t.id, toTicket(t));
    return reqs.map((r, i): JoinOutcome => {
      const decided = out[i];
      if (decided) return decided;
      const mine = created.get(r.id);
      if (mine) return { kind: 'joined', ticket: mine, queue };
      const prior = seen.get(r.idempotencyKey as string);
      const ticket = prior && (created.get(prior.ticketId) ?? replayed.get(prior.ticketId));
      if (!prior || !ticket) throw new AppError('internal', 'idempotency record points at a missing ticket');
      return { kind: 'replayed', ticket, sealedToken: prior.sealed, queue };
    });
  });
}

export async function callNext(
  db: Kysely<DB>,
  queueId: string,
  to: 'called' | 'admitted',
  counter: string | null,
  at: Date,
  hints: CallHints,
): Promise<TicketRecord | null> {
  const now = at.getTime();
  const taken = await db.transaction().execute(async (trx) => {
    const q = await lockQueue(trx, queueId, now);
    if (!q) throw new AppError('not_found', 'queue not found');
    if (q.status === 'paused') throw new AppError('conflict', 'queue is paused; resume it to call tickets');
    const createdAt = Number(q.created_at);
    // The first waiting ticket of each priority, each scan starting past its bound, in one round trip.
    const first = (rank: number) =>
      trx
        .selectFrom('tickets')
        .selectAll()
        .where('queue_id', '=', queueId)
        .where('status', '=', 'waiting')
        .where('priority', '=', rank)
        .where('seq', '>', hints.floor(queueId, createdAt, Number(q.last_seq), rank))
        .orderBy('seq')
        .limit(1);
    const [high, normal] = PRIORITY_RANKS;
    const next = await trx
      .selectFrom(first(high).as('h'))
      .selectAll()
      .unionAll(trx.selectFrom(first(normal).as('n')).selectAll())
      .orderBy('priority')
      .limit(1)
      .executeTakeFirst();
    if (next)
      return {
        row: await applyChange(trx, q, next, { to, counter }, now),
        createdAt,
        rank: Number(next.priority),
        seq: Number(next.seq),
      };
    return null;
  });
  if (!taken) return null;
  hints.taken(queueId, taken.createdAt, taken.rank, taken.seq);
  return toTicket(taken.row);
}

export async function transition(
  db: Kysely<DB>,
  id: string,
  from: readonly TicketStatus[],
  change: TransitionChange,
  at: Date,
): Promise<TransitionOutcome> {
  const now = at.getTime();
  return db.transaction().execute(async (trx) => {
    const peek = await trx.selectFrom('tickets').select('queue_id').where('id', '=', id).executeTakeFirst();
    if (!peek) return { kind: 'not_found' };
    // Queue first, then ticket: every writer takes the locks in this order, so none deadlock.
    const q = await lockQueue(trx, peek.queue_id, now);
    const cur = await trx.selectFrom('tickets').selectAll().where('id', '=', id).executeTakeFirst();
    if (!q || !cur) return { kind: 'not_found' };
    if (!from.includes(cur.status as TicketStatus)) return { kind: 'conflict', current: cur.status as TicketStatus };
    const row = await applyChange(trx, q, cur, change, now);
    return { kind: 'ok', ticket: toTicket(row), before: toTicket(cur) };
  });
}

async function applyChange(
  trx: Transaction<DB>,
  q: Selectable<QueuesTable>,
  cur: Selectable<DB['tickets']>,
  change: TransitionChange,
  now: number,
): Promise<Selectable<DB['tickets']>> {
  const wasWaiting = cur.status === 'waiting';
  const isWaiting = change.to === 'waiting';
  // Back into the waiting order means the back of it: call-next's lower bounds rely on this.
  const fresh = change.requeue === true || (isWaiting && !wasWaiting);
  const seq = fresh ? Number(q.last_seq) + 1 : Number(cur.seq);
  const patch = {
    status: change.to,
    seq,
    counter: change.counter !== undefined ? change.counter : isWaiting ? null : cur.counter,
    called_at: change.to === 'called' || change.to === 'admitted' ? now : isWaiting ? null : cur.called_at,
    ended_at: ENDED.includes(change.to) ? now : null,
    updated_at: now,
  };
  const row = { ...cur, ...patch };
  await trx.updateTable('tickets').set(patch).where('id', '=', cur.id).execute();
  const waiting = Number(q.waiting_count) + (isWaiting ? 1 : 0) - (wasWaiting ? 1 : 0);
  const completed = change.to === 'served' || change.to === 'admitted';
  const ewma = completed ? nextEwma(q, now, waiting) : null;
  await trx
    .updateTable('queues')
    .set({
      waiting_count: waiting,
      ...(fresh ? { last_seq: seq } : {}),
      ...(completed ? { last_completed_at: now } : {}),
      ...(ewma ?? {}),
    })
    .where('id', '=', q.id)
    .execute();
  return row;
}

/**
 * Seconds per completed ticket, measured as the gap between completions while people were
 * waiting. That gap already reflects how many desks are open, which is what an ETA needs.
 */
function nextEwma(
  q: Selectable<QueuesTable>,
  now: number,
  waitingAfter: number,
): { service_ewma: number; service_var: number } | null {
  if (q.last_completed_at === null || (waitingAfter <= 0 && Number(q.waiting_count) <= 0)) return null;
  const sample = (now - Number(q.last_completed_at)) / 1000;
  if (sample <= 0 || sample > MAX_SAMPLE_SECONDS) return null;
  if (q.service_ewma === null) return { service_ewma: sample, service_var: 0 };
  const mean = Number(q.service_ewma);
  const diff = sample - mean;
  const nextMean = mean + EWMA_ALPHA * diff;
  return {
    service_ewma: nextMean,
    service_var: (1 - EWMA_ALPHA) * (Number(q.service_var ?? 0) + EWMA_ALPHA * diff * diff),
  };
}

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

export async function expireWaiting(db: Kysely<DB>, at: Date): Promise<TicketRecord[]> {
  const queues = await db.selectFrom('queues').select(['id', 'settings']).where('waiting_count', '>', 0).execute();
  const expired: TicketRecord[] = [];
  for (const q of queues) {
    const ttl = Number((JSON.parse(q.settings) as { ticketTtlSeconds?: number }).ticketTtlSeconds ?? 0);
    if (ttl <= 0) continue;
    const stale = await db
      .selectFrom('tickets')
      .select('id')
      .where('queue_id', '=', q.id)
      .where('status', '=', 'waiting')
      .where('created_at', '<', at.getTime() - ttl * 1000)
      .execute();
    for (const s of stale) {
      const r = await transition(db, s.id, ['waiting'], { to: 'expired' }, at);
      if (r.kind === 'ok') expired.push(r.ticket);
    }
  }
  return expired;
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

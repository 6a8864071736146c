import type { Kysely, Selectable, Transaction } from 'kysely';
import { calibrate, DEFAULT_COVERAGE_TARGET, withinQuote } from '../../domain/eta.js';
import type { TicketRecord, TicketStatus } from '../../domain/types.js';
import { AppError } from '../../errors/index.js';
import type { TransitionChange, TransitionOutcome } from '../contract.js';
import type { CallHints } from './call-hints.js';
import { ENDED } from './fold.js';
import { highDelta, positionsAtBack } from './positions.js';
import { EVENT_OF_STATUS, recordEvents } from './outbox.js';
import { lockQueue } from './queue-lock.js';
import { PRIORITY_RANKS, toTicket } from './rows.js';
import type { DB, QueuesTable, TicketsTable } from './schema.js';

const EWMA_ALPHA = 0.2;
/** A gap longer than this between completions means the desk was idle, not slow. */
const MAX_SAMPLE_SECONDS = 3600;

type LockWaitBound = (trx: Kysely<DB>) => Promise<void>;

/** One call-next of a batch: each keeps its own desk, time and session end. */
export interface CallRequest {
  readonly to: 'called' | 'admitted';
  readonly counter: string | null;
  readonly at: Date;
  /** An admission: when its session ends (epoch ms). */
  readonly admittedUntil?: number;
}

/**
 * Takes the first waiting tickets for a batch of calls in one transaction under the queue's lock:
 * the n-th call gets the n-th ticket in line (high priority, then lowest seq), or null once the
 * line is empty. Calls that meet at one queue thus cost one lock wait and one commit together.
 */
export async function callNext(
  db: Kysely<DB>,
  queueId: string,
  calls: readonly CallRequest[],
  hints: CallHints,
  boundLockWait?: LockWaitBound,
): Promise<(TicketRecord | null)[]> {
  const taken = await db.transaction().execute(async (trx) => {
    await boundLockWait?.(trx);
    let q = await lockQueue(trx, queueId);
    if (!q) throw new AppError('not_found', 'queue not found');
    if (q.status === 'paused') throw new AppError('conflict', 'queue is paused; resume it to call tickets');
    const createdAt = Number(q.created_at);
    const lastSeq = Number(q.last_seq);
    // The first waiting tickets of each priority, each scan starting past its bound, in one round trip.
    const first = (rank: number) =>
      trx
        .selectFrom('tickets')
        .selectAll()
        .where('queue_id', '=', queueId)
        .where('status', '=', 'waiting')
        .where('priority', '=', rank)
        .where('seq', '>', hints.floor(queueId, createdAt, lastSeq, rank))
        .orderBy('seq')
        .limit(calls.length);
    const [high, normal] = PRIORITY_RANKS;
    const next = await trx
      .selectFrom(first(high).as('h'))
      .selectAll()
      .unionAll(trx.selectFrom(first(normal).as('n')).selectAll())
      .orderBy('priority')
      .orderBy('seq')
      .limit(calls.length)
      .execute();
    const rows: Selectable<TicketsTable>[] = [];
    for (const [i, cur] of next.entries()) {
      const { to, counter, at, admittedUntil } = calls[i] as CallRequest;
      const changed = await applyChange(
        trx,
        q,
        cur,
        { to, counter, ...(admittedUntil !== undefined ? { admittedUntil } : {}) },
        at.getTime(),
      );
      q = changed.queue;
      rows.push(changed.row);
    }
    return { createdAt, rows };
  });
  for (const r of taken.rows) hints.taken(queueId, taken.createdAt, Number(r.priority), Number(r.seq));
  return calls.map((_, i) => {
    const row = taken.rows[i];
    return row ? toTicket(row) : null;
  });
}

/** The queue a ticket belongs to, which never changes: what a write must lock before the ticket. */
export async function queueOfTicket(db: Kysely<DB>, id: string): Promise<string | null> {
  const r = await db.selectFrom('tickets').select('queue_id').where('id', '=', id).executeTakeFirst();
  return r?.queue_id ?? null;
}

export async function transition(
  db: Kysely<DB>,
  queueId: string,
  id: string,
  from: readonly TicketStatus[],
  change: TransitionChange,
  at: Date,
  boundLockWait?: LockWaitBound,
): Promise<TransitionOutcome> {
  const now = at.getTime();
  return db.transaction().execute(async (trx) => {
    await boundLockWait?.(trx);
    // Queue first, then ticket: every writer takes the locks in this order, so none deadlock.
    const q = await lockQueue(trx, queueId);
    const cur = await trx.selectFrom('tickets').selectAll().where('id', '=', id).executeTakeFirst();
    if (!q || !cur) return { kind: 'not_found' };
    if (!from.includes(cur.status as TicketStatus)) return { kind: 'conflict', current: cur.status as TicketStatus };
    const { row, position } = await applyChange(trx, q, cur, change, now);
    return { kind: 'ok', ticket: toTicket(row), before: toTicket(cur), position };
  });
}

/**
 * Writes one ticket's change and the queue's counters. A ticket that enters the waiting order goes
 * to its back, so its position at commit follows from the counters; otherwise the position is null.
 */
async function applyChange(
  trx: Transaction<DB>,
  q: Selectable<QueuesTable>,
  cur: Selectable<TicketsTable>,
  change: TransitionChange,
  now: number,
): Promise<{ row: Selectable<TicketsTable>; position: number | null; queue: Selectable<QueuesTable> }> {
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
    ...(change.admittedUntil !== undefined ? { admitted_until: change.admittedUntil } : {}),
    // Back in the line, a ticket's next call is a first call again: an old recall would show on the
    // desk and, being older than that call, sort it below calls it came after on the board.
    ...(isWaiting ? { recalls: 0, recalled_at: null } : {}),
    // A recall keeps the first call's time, which waits and the estimate's accuracy are measured to.
    ...(change.recall === true
      ? { called_at: cur.called_at ?? now, recalls: Number(cur.recalls ?? 0) + 1, recalled_at: now }
      : {}),
  };
  const row = { ...cur, ...patch };
  await trx.updateTable('tickets').set(patch).where('id', '=', cur.id).execute();
  const waiting = Number(q.waiting_count) + (isWaiting ? 1 : 0) - (wasWaiting ? 1 : 0);
  const waitingHigh = Number(q.waiting_high) + highDelta(Number(cur.priority), wasWaiting, isWaiting);
  const completed = change.to === 'served' || change.to === 'admitted';
  const ewma = completed ? nextEwma(q, now, waiting) : null;
  const calibration = change.to === 'called' || change.to === 'admitted' ? measureQuote(q, cur, now) : null;
  const queuePatch = {
    waiting_count: waiting,
    waiting_high: waitingHigh,
    updated_at: now,
    ...(fresh ? { last_seq: seq } : {}),
    ...(completed ? { last_completed_at: now } : {}),
    ...(ewma ?? {}),
    ...(calibration ?? {}),
  };
  await trx.updateTable('queues').set(queuePatch).where('id', '=', q.id).execute();
  const position =
    isWaiting && fresh
      ? (positionsAtBack({ waiting_count: waiting, waiting_high: waitingHigh }, [
          Number(cur.priority) === 0 ? 'high' : 'normal',
        ])[0] as number)
      : null;
  const type = EVENT_OF_STATUS[change.to];
  // A waiting ticket that leaves the order, or goes to its back, gives up its place.
  const left = wasWaiting && (!isWaiting || fresh) ? { priority: Number(cur.priority), seq: Number(cur.seq) } : null;
  await recordEvents(trx, q, type ? [{ type, row, position }] : [], now, left ? [left] : []);
  return { row, position, queue: { ...q, ...queuePatch } };
}

/**
 * A call ends the wait quoted at join: whether it fell inside the range moves the queue's
 * calibration (eta.ts). Recalling a ticket that was already called measures nothing new.
 */
export function measureQuote(
  q: Selectable<QueuesTable>,
  cur: Selectable<TicketsTable>,
  now: number,
): { eta_scale: number; eta_window: string } | null {
  if (cur.called_at !== null || cur.eta_low === null || cur.eta_high === null) return null;
  const quoted = { lowSeconds: Number(cur.eta_low), highSeconds: Number(cur.eta_high) };
  const hit = withinQuote(quoted, (now - Number(cur.created_at)) / 1000);
  const target = (JSON.parse(q.settings) as { etaCoverageTarget?: number }).etaCoverageTarget;
  const c = calibrate(
    { scale: q.eta_scale === null ? null : Number(q.eta_scale), window: q.eta_window },
    hit,
    target ?? DEFAULT_COVERAGE_TARGET,
  );
  return { eta_scale: c.scale, eta_window: c.window };
}

/**
 * Seconds per completed ticket, measured as the gap between completions while people were
 * waiting. That gap already reflects how many desks are open, which is what an ETA needs.
 */
export function nextEwma(
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

export async function expireWaiting(db: Kysely<DB>, at: Date): Promise<TicketRecord[]> {
  // Waiting rooms expire visitors by idleness (idleSeconds), never by age: a visitor who keeps
  // polling waits as long as the room takes.
  const queues = await db
    .selectFrom('queues')
    .select(['id', 'settings'])
    .where('mode', '=', 'service')
    .where('waiting_count', '>', 0)
    .execute();
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
      const r = await transition(db, q.id, s.id, ['waiting'], { to: 'expired' }, at);
      if (r.kind === 'ok') expired.push(r.ticket);
    }
  }
  return expired;
}

import type { Kysely, Selectable, Transaction } from 'kysely';
import { ADMISSION_CATCH_UP_MS, admissionIntervalMs, admissionOf, isOpen } from '../../domain/admission.js';
import type { AdmissionSettings, QueueSettings, TicketRecord } from '../../domain/types.js';
import type { SessionOutcome } from '../waiting-room-contract.js';
import { lockQueue } from './queue-lock.js';
import { toTicket } from './rows.js';
import type { DB, QueuesTable } from './schema.js';
import { ADMITTED } from './sessions.js';
import { moveWaiting } from './waiting-batch.js';

/** Admissions written in one transaction at most (passthrough, or a high rate). */
const BATCH = 200;
/** Idle tickets expired per room and sweep; the next sweep takes the rest. */
const EXPIRE_BATCH = 500;

const settingsOf = (q: Selectable<QueuesTable>): AdmissionSettings =>
  admissionOf(JSON.parse(q.settings) as QueueSettings);

const idleMs = (settings: string): number => admissionOf(JSON.parse(settings) as QueueSettings).idleSeconds * 1000;

export async function busyRooms(db: Kysely<DB>): Promise<string[]> {
  const rows = await db
    .selectFrom('queues')
    .select('id')
    .where('mode', '=', 'waiting_room')
    .where('status', '!=', 'paused')
    .where('waiting_count', '>', 0)
    .execute();
  return rows.map((r) => r.id);
}

async function roomRow(trx: Transaction<DB>, queueId: string) {
  const row = await trx.selectFrom('waiting_rooms').selectAll().where('queue_id', '=', queueId).executeTakeFirst();
  if (row) return row;
  await trx.insertInto('waiting_rooms').values({ queue_id: queueId }).execute();
  return { queue_id: queueId, next_admit_at: null, drawn_at: null };
}

async function countActive(db: Kysely<DB>, queueId: string, now: number): Promise<number> {
  const r = await db
    .selectFrom('tickets')
    .select((eb) => eb.fn.countAll<string | number>().as('n'))
    .where('queue_id', '=', queueId)
    .where('status', '=', ADMITTED)
    .where('admitted_until', '>', now)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

export const activeSessions = (db: Kysely<DB>, queueId: string, at: Date): Promise<number> =>
  countActive(db, queueId, at.getTime());

/**
 * A token bucket of one credit, kept as `next_admit_at`: each admission moves it on by one
 * interval, so admissions keep the rate however late the ticks run. When the room runs out of
 * visitors or of session slots, the bucket stops at `now` rather than saving credit, which is what
 * lets the next visitor in at once without a burst after a quiet spell.
 */
export async function admit(db: Kysely<DB>, queueId: string, at: Date): Promise<TicketRecord[]> {
  const now = at.getTime();
  return db.transaction().execute(async (trx) => {
    const q = await lockQueue(trx, queueId);
    if (!q || q.mode !== 'waiting_room' || q.status === 'paused') return [];
    const a = settingsOf(q);
    if (!isOpen(a, now)) return [];
    const room = await roomRow(trx, queueId);
    if (a.method === 'random' && a.opensAt !== null && room.drawn_at === null) return [];
    const interval = admissionIntervalMs(a);
    const passthrough = a.method === 'passthrough';
    let next = room.next_admit_at === null ? now : Number(room.next_admit_at);
    if (!passthrough && now < next) return [];
    let due = passthrough ? BATCH : Math.floor((now - next) / interval) + 1;
    // After an outage, admit at the rate again rather than everyone the pause would have let in.
    const burst = Math.max(1, Math.ceil(ADMISSION_CATCH_UP_MS / interval));
    if (!passthrough && due > burst) {
      next = now - (burst - 1) * interval;
      due = burst;
    }
    const slots = a.maxActive === null ? due : a.maxActive - (await countActive(trx, queueId, now));
    const take = Math.min(due, slots, BATCH, Number(q.waiting_count));
    // The round's admissions in one statement, front of the line first, idle visitors skipped.
    const rows = await moveWaiting(trx, q, {
      to: 'admitted',
      limit: take,
      now,
      admittedUntil: now + a.sessionSeconds * 1000,
      seenSince: now - a.idleSeconds * 1000,
    });
    const admitted = rows.map(toTicket);
    if (!passthrough) {
      next += admitted.length * interval;
      if (admitted.length < due) next = Math.max(next, now);
      await trx
        .updateTable('waiting_rooms')
        .set({ next_admit_at: Math.round(next) })
        .where('queue_id', '=', queueId)
        .execute();
    }
    return admitted;
  });
}

/**
 * Expires a room's idle visitors, at most EXPIRE_BATCH a sweep, in one statement under the queue's
 * lock. The partial index `tickets_waiting_seen` (migration 014) holds the waiting tickets by when
 * they were last seen, so the sweep reads only the idle ones, not the whole line, every round.
 */
export async function expireIdle(db: Kysely<DB>, queueId: string, at: Date): Promise<TicketRecord[]> {
  const now = at.getTime();
  const room = await db.selectFrom('queues').select('settings').where('id', '=', queueId).executeTakeFirst();
  if (!room) return [];
  // Most rounds find nobody idle: an indexed look first, so they take no lock from the joins.
  const idle = await db
    .selectFrom('tickets')
    .select('id')
    .where('queue_id', '=', queueId)
    .where('status', '=', 'waiting')
    .where((eb) => eb(eb.fn.coalesce('seen_at', 'created_at'), '<', now - idleMs(room.settings)))
    .limit(1)
    .executeTakeFirst();
  if (!idle) return [];
  const rows = await db.transaction().execute(async (trx) => {
    const q = await lockQueue(trx, queueId);
    if (!q || Number(q.waiting_count) === 0) return [];
    const seenBefore = now - idleMs(q.settings);
    return moveWaiting(trx, q, { to: 'expired', limit: EXPIRE_BATCH, now, seenBefore });
  });
  return rows.map(toTicket);
}

export async function touch(db: Kysely<DB>, ticketId: string, at: Date): Promise<void> {
  await db.updateTable('tickets').set({ seen_at: at.getTime() }).where('id', '=', ticketId).execute();
}

export async function setSession(db: Kysely<DB>, ticketId: string, until: Date, at: Date): Promise<SessionOutcome> {
  const now = at.getTime();
  const row = await db
    .updateTable('tickets')
    .set({ admitted_until: until.getTime(), updated_at: now })
    .where('id', '=', ticketId)
    .where('status', '=', 'admitted')
    .where('admitted_until', '>', now)
    .returningAll()
    .executeTakeFirst();
  if (row) return { kind: 'ok', ticket: toTicket(row) };
  const cur = await db.selectFrom('tickets').select('status').where('id', '=', ticketId).executeTakeFirst();
  if (!cur) return { kind: 'not_found' };
  return {
    kind: 'conflict',
    reason: cur.status === 'admitted' ? 'the session has ended' : `the ticket is ${cur.status}`,
  };
}

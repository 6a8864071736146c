import { drawKey } from '../../domain/draw-check.js';
import type { Insertable, Kysely, Selectable } from 'kysely';
import type { WaitingEntry } from '../../domain/types.js';
import type { DrawEntry, DrawRecord, SigningKeyRecord } from '../waiting-room-contract.js';
import { lockQueue } from './queue-lock.js';
import { priorityName } from './rows.js';
import type { DB, DrawEntriesTable, SigningKeysTable, WaitingRoomsTable } from './schema.js';

/** Rows per insert of a draw's order: four values each, well inside SQLite's bound-parameter limit. */
const ENTRY_BATCH = 500;

const toDraw = (r: Selectable<WaitingRoomsTable>): DrawRecord => ({
  sealedSeed: r.sealed_seed,
  commitment: r.commitment,
  seed: r.seed,
  drawnAt: r.drawn_at === null ? null : new Date(Number(r.drawn_at)),
  drawnCount: r.drawn_count === null ? null : Number(r.drawn_count),
});

export async function draw(db: Kysely<DB>, queueId: string): Promise<DrawRecord | null> {
  const r = await db.selectFrom('waiting_rooms').selectAll().where('queue_id', '=', queueId).executeTakeFirst();
  return r ? toDraw(r) : null;
}

export async function commit(
  db: Kysely<DB>,
  queueId: string,
  sealedSeed: string,
  commitment: string,
): Promise<DrawRecord> {
  return db.transaction().execute(async (trx) => {
    await lockQueue(trx, queueId);
    const cur = await trx.selectFrom('waiting_rooms').selectAll().where('queue_id', '=', queueId).executeTakeFirst();
    if (!cur) await trx.insertInto('waiting_rooms').values({ queue_id: queueId }).execute();
    if (!cur?.commitment)
      await trx
        .updateTable('waiting_rooms')
        .set({ sealed_seed: sealedSeed, commitment })
        .where('queue_id', '=', queueId)
        .execute();
    const r = await trx
      .selectFrom('waiting_rooms')
      .selectAll()
      .where('queue_id', '=', queueId)
      .executeTakeFirstOrThrow();
    return toDraw(r);
  });
}

export async function runDraw(
  db: Kysely<DB>,
  queueId: string,
  seed: string,
  opensAt: Date,
  at: Date,
): Promise<WaitingEntry[] | null> {
  return db.transaction().execute(async (trx) => {
    await lockQueue(trx, queueId);
    const room = await trx.selectFrom('waiting_rooms').selectAll().where('queue_id', '=', queueId).executeTakeFirst();
    if (!room || room.drawn_at !== null) return null;
    const rows = await trx
      .selectFrom('tickets')
      .select(['id', 'priority', 'seq'])
      .where('queue_id', '=', queueId)
      .where('status', '=', 'waiting')
      .where('created_at', '<', opensAt.getTime())
      .execute();
    const entries: WaitingEntry[] = [];
    const record: Insertable<DrawEntriesTable>[] = [];
    for (const rank of [0, 1]) {
      const group = rows.filter((r) => Number(r.priority) === rank);
      // The group keeps its places in the line (its seqs); only who holds which one changes.
      const seqs = group.map((r) => Number(r.seq)).sort((x, y) => x - y);
      const order = group
        .map((r) => ({ id: r.id, key: drawKey(seed, r.id) }))
        .sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : 0));
      for (const [i, t] of order.entries()) {
        const seq = seqs[i] as number;
        await trx.updateTable('tickets').set({ seq }).where('id', '=', t.id).execute();
        entries.push({ ticketId: t.id, priority: priorityName(rank), seq });
        record.push({ queue_id: queueId, rank: record.length, ticket_id: t.id, priority: rank });
      }
    }
    for (let i = 0; i < record.length; i += ENTRY_BATCH)
      await trx
        .insertInto('draw_entries')
        .values(record.slice(i, i + ENTRY_BATCH))
        .execute();
    await trx
      .updateTable('waiting_rooms')
      .set({ seed, drawn_at: at.getTime(), drawn_count: rows.length })
      .where('queue_id', '=', queueId)
      .execute();
    return entries;
  });
}

export async function drawEntries(
  db: Kysely<DB>,
  queueId: string,
  afterRank: number,
  limit: number,
): Promise<DrawEntry[]> {
  const rows = await db
    .selectFrom('draw_entries')
    .select(['rank', 'ticket_id', 'priority'])
    .where('queue_id', '=', queueId)
    .where('rank', '>', afterRank)
    .orderBy('rank')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ rank: Number(r.rank), ticketId: r.ticket_id, priority: priorityName(Number(r.priority)) }));
}

const toKey = (r: Selectable<SigningKeysTable>): SigningKeyRecord => ({
  kid: r.kid,
  generation: Number(r.generation),
  sealId: r.seal_id,
  publicJwk: r.public_jwk,
  sealedPrivate: r.sealed_private,
  createdAt: new Date(Number(r.created_at)),
  retiresAt: new Date(Number(r.retires_at)),
  publishedUntil: new Date(Number(r.published_until)),
});

export async function signingKeys(db: Kysely<DB>): Promise<SigningKeyRecord[]> {
  return (await db.selectFrom('signing_keys').selectAll().orderBy('generation').execute()).map(toKey);
}

export async function addSigningKey(db: Kysely<DB>, k: SigningKeyRecord): Promise<SigningKeyRecord> {
  await db
    .insertInto('signing_keys')
    .values({
      kid: k.kid,
      generation: k.generation,
      seal_id: k.sealId,
      public_jwk: k.publicJwk,
      sealed_private: k.sealedPrivate,
      created_at: k.createdAt.getTime(),
      retires_at: k.retiresAt.getTime(),
      published_until: k.publishedUntil.getTime(),
    })
    .onConflict((oc) => oc.columns(['generation', 'seal_id']).doNothing())
    .execute();
  const r = await db
    .selectFrom('signing_keys')
    .selectAll()
    .where('generation', '=', k.generation)
    .where('seal_id', '=', k.sealId)
    .executeTakeFirstOrThrow();
  return toKey(r);
}

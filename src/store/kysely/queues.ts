import type { Kysely } from 'kysely';
import { mergeSettings } from '../../domain/admission.js';
import { resetsAtAfterChange } from '../../domain/numbering.js';
import type { Queue, QueueSettings } from '../../domain/types.js';
import type { NewQueue, QueuePatch } from '../contract.js';
import { newHooksTag } from './hook-sets.js';
import { lockQueue } from './queue-lock.js';
import { toQueue } from './rows.js';
import type { DB } from './schema.js';

export async function createQueue(db: Kysely<DB>, input: NewQueue, at: Date): Promise<Queue> {
  const now = at.getTime();
  const row = {
    id: input.id,
    name: input.name,
    mode: input.mode,
    status: 'open',
    capacity: input.capacity,
    settings: JSON.stringify(input.settings),
    waiting_count: 0,
    waiting_high: 0,
    last_number: 0,
    last_seq: 0,
    service_ewma: null,
    service_var: null,
    last_completed_at: null,
    eta_scale: null,
    eta_window: null,
    number_epoch: 0,
    number_resets_at: resetsAtAfterChange({ settings: {}, resetsAt: null }, input.settings, now),
    hooks_tag: newHooksTag(),
    created_at: now,
    updated_at: now,
    closed_at: null,
  };
  await db.insertInto('queues').values(row).execute();
  return toQueue(row);
}

export async function listQueues(db: Kysely<DB>): Promise<Queue[]> {
  return (await db.selectFrom('queues').selectAll().orderBy('created_at').orderBy('id').execute()).map(toQueue);
}

/**
 * Settings are merged into the stored ones under the queue's row lock, so two patches of different
 * settings sent at once both land.
 */
export async function updateQueue(db: Kysely<DB>, id: string, patch: QueuePatch, at: Date): Promise<Queue | null> {
  const now = at.getTime();
  return db.transaction().execute(async (trx) => {
    const cur = await lockQueue(trx, id);
    if (!cur) return null;
    const set: Record<string, unknown> = { updated_at: now };
    if (patch.name !== undefined) set.name = patch.name;
    if (patch.capacity !== undefined) set.capacity = patch.capacity;
    if (patch.settings !== undefined) {
      const before = JSON.parse(cur.settings) as Partial<QueueSettings>;
      const merged = mergeSettings(before, patch.settings);
      set.settings = JSON.stringify(merged);
      const resetsAt = cur.number_resets_at === null ? null : Number(cur.number_resets_at);
      set.number_resets_at = resetsAtAfterChange({ settings: before, resetsAt }, merged, now);
    }
    if (patch.status !== undefined) {
      set.status = patch.status;
      set.closed_at = patch.status === 'closed' ? now : null;
    }
    const row = await trx.updateTable('queues').set(set).where('id', '=', id).returningAll().executeTakeFirst();
    return row ? toQueue(row) : null;
  });
}

export async function deleteQueue(db: Kysely<DB>, id: string): Promise<string[] | null> {
  return db.transaction().execute(async (trx) => {
    const found = await trx.selectFrom('queues').select('id').where('id', '=', id).executeTakeFirst();
    if (!found) return null;
    const waiting = await trx
      .selectFrom('tickets')
      .select('id')
      .where('queue_id', '=', id)
      .where('status', '=', 'waiting')
      .execute();
    await trx.deleteFrom('idempotency_keys').where('queue_id', '=', id).execute();
    await trx.deleteFrom('tickets').where('queue_id', '=', id).execute();
    await trx.deleteFrom('queues').where('id', '=', id).execute();
    return waiting.map((w) => w.id);
  });
}

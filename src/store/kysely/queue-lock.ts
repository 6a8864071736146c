import type { Selectable, Transaction } from 'kysely';
import type { DB, QueuesTable } from './schema.js';

/**
 * Takes the queue's row lock inside the transaction (PostgreSQL; SQLite's write lock), so one
 * queue's writes serialize, and returns the row. It sets no column to a new value: a request that
 * is then refused (closed, full, a ticket in the wrong status) leaves the queue as it found it.
 * Writers that change something set `updated_at` with their change.
 */
export async function lockQueue(trx: Transaction<DB>, queueId: string): Promise<Selectable<QueuesTable> | undefined> {
  return trx
    .updateTable('queues')
    .set((eb) => ({ updated_at: eb.ref('updated_at') }))
    .where('id', '=', queueId)
    .returningAll()
    .executeTakeFirst();
}

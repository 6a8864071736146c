import { CompiledQuery, type Kysely, type Selectable } from 'kysely';
import type { Queue, TicketRecord } from '../../domain/types.js';
import { toQueue, toTicket } from './rows.js';
import type { DB, QueuesTable, TicketsTable } from './schema.js';

/**
 * The two reads every customer request makes, built by Kysely once and then run with new
 * parameters, so the hot path skips building and compiling the same query each time.
 */
export function hotReads(db: Kysely<DB>) {
  const ticketSql = db.selectFrom('tickets').selectAll().where('id', '=', '?').compile().sql;
  const queueSql = db.selectFrom('queues').selectAll().where('id', '=', '?').compile().sql;
  return {
    async getTicket(id: string): Promise<TicketRecord | null> {
      const r = await db.executeQuery<Selectable<TicketsTable>>(CompiledQuery.raw(ticketSql, [id]));
      const row = r.rows[0];
      return row ? toTicket(row) : null;
    },
    async getQueue(id: string): Promise<Queue | null> {
      const r = await db.executeQuery<Selectable<QueuesTable>>(CompiledQuery.raw(queueSql, [id]));
      const row = r.rows[0];
      return row ? toQueue(row) : null;
    },
  };
}

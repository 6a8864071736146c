import { CompiledQuery, type Kysely, type Selectable } from 'kysely';
import type { Queue, TicketRecord } from '../../domain/types.js';
import { toQueue, toTicket } from './rows.js';
import type { DialectParts } from './dialect.js';
import type { DB, QueuesTable, TicketsTable } from './schema.js';

/**
 * The two reads every customer request makes, built by Kysely once and then run with new
 * parameters, so the hot path skips building and compiling the same query each time. On SQLite
 * they run straight on the connection when no transaction is open: measured in-process, Kysely's
 * queue and promise chain cost more than the read itself. (On PostgreSQL every parameterised
 * query is already a named prepared statement: see `postgres/statements.ts`.)
 */
export function hotReads(db: Kysely<DB>, d: Pick<DialectParts, 'readNow'>) {
  const read = async <T>(sql: string, id: string): Promise<T[]> => d.readNow?.<T>(sql, [id]) ?? (await db.executeQuery<T>(CompiledQuery.raw(sql, [id]))).rows;
  const ticketSql = db.selectFrom('tickets').selectAll().where('id', '=', '?').compile().sql;
  const queueSql = db.selectFrom('queues').selectAll().where('id', '=', '?').compile().sql;
  return {
    async getTicket(id: string): Promise<TicketRecord | null> {
      const row = (await read<Selectable<TicketsTable>>(ticketSql, id))[0];
      return row ? toTicket(row) : null;
    },
    async getQueue(id: string): Promise<Queue | null> {
      const row = (await read<Selectable<QueuesTable>>(queueSql, id))[0];
      return row ? toQueue(row) : null;
    },
  };
}

import { sql, type Kysely, type Selectable } from 'kysely';
import type { JoinRequest } from '../contract.js';
import { priorityRank } from '../kysely/rows.js';
import type { DB, QueuesTable } from '../kysely/schema.js';

/**
 * A whole join batch in one statement, outside any explicit transaction: the UPDATE takes the
 * queue's row lock, checks status and capacity and reserves the numbers, and the INSERT writes the
 * tickets with numbers and seqs counted from the reserved range. One round trip and one commit
 * instead of BEGIN, lock, insert and COMMIT. PostgreSQL runs a data-modifying WITH to completion as
 * one atomic statement; without a queue row back (closed, full, no such queue) nothing changed.
 */
export async function joinInOneStatement(
  db: Kysely<DB>,
  queueId: string,
  reqs: readonly JoinRequest[],
  now: number,
): Promise<Selectable<QueuesTable> | undefined> {
  const n = reqs.length;
  const high = reqs.filter((r) => r.priority === 'high').length;
  const col = <T>(f: (r: JoinRequest) => T): T[] => reqs.map(f);
  const result = await sql<Selectable<QueuesTable>>`
    WITH q AS (
      UPDATE queues
      SET updated_at = ${now}, last_number = last_number + ${n}, last_seq = last_seq + ${n}, waiting_count = waiting_count + ${n},
        waiting_high = waiting_high + ${high}
      WHERE id = ${queueId} AND status <> 'closed' AND (capacity IS NULL OR waiting_count + ${n} <= capacity)
      RETURNING *
    ), ins AS (
      INSERT INTO tickets (id, queue_id, number, status, priority, seq, token_hash, name, contact, metadata, counter, created_at, called_at, ended_at, updated_at)
      SELECT u.id, q.id, q.last_number - ${n}::bigint + u.ord, 'waiting', u.priority, q.last_seq - ${n}::bigint + u.ord, u.token_hash, u.name, u.contact, u.metadata,
        NULL, ${now}::bigint, NULL, NULL, ${now}::bigint
      FROM q CROSS JOIN unnest(${col((r) => r.id)}::varchar[], ${col((r) => priorityRank(r.priority))}::smallint[], ${col((r) => r.tokenHash)}::varchar[],
        ${col((r) => r.name)}::varchar[], ${col((r) => r.contact)}::varchar[], ${col((r) => (r.metadata === null ? null : JSON.stringify(r.metadata)))}::text[])
        WITH ORDINALITY AS u(id, priority, token_hash, name, contact, metadata, ord)
    )
    SELECT * FROM q`.execute(db);
  return result.rows[0];
}

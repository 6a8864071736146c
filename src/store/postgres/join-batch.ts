import { sql, type Kysely, type Selectable } from 'kysely';
import type { JoinRequest } from '../contract.js';
import { priorityRank } from '../kysely/rows.js';
import type { DB, QueuesTable } from '../kysely/schema.js';

/**
 * A whole join batch in one statement, outside any explicit transaction: the UPDATE takes the
 * queue's row lock, checks status and capacity and reserves the numbers, the INSERT writes the
 * tickets with numbers and seqs counted from the reserved range, and the outbox gets one
 * `ticket.joined` row per ticket and subscribed webhook (none when there is no webhook). One round trip and one commit
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
  // Rank of each request among the batch's requests of its priority: its position follows from it.
  const seen = { high: 0, normal: 0 };
  const ranks = reqs.map((r) => ++seen[r.priority]);
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
    ), ev AS (
      INSERT INTO webhook_deliveries (webhook_id, ticket_id, queue_id, type, data, occurred_at, next_attempt_at)
      SELECT w.id, u.id, q.id, 'ticket.joined', json_build_object('id', u.id, 'queueId', q.id,
          'number', q.last_number - ${n}::bigint + u.ord, 'status', 'waiting',
          'priority', CASE WHEN u.priority = 0 THEN 'high' ELSE 'normal' END,
          'position', CASE WHEN u.priority = 0 THEN q.waiting_high - ${high}::int + u.rank ELSE q.waiting_count - ${n - high}::int + u.rank END,
          'counter', NULL)::text, ${now}::bigint, ${now}::bigint
      FROM q CROSS JOIN unnest(${col((r) => r.id)}::varchar[], ${col((r) => priorityRank(r.priority))}::smallint[], ${ranks}::int[])
        WITH ORDINALITY AS u(id, priority, rank, ord)
        CROSS JOIN webhooks w
      WHERE w.events LIKE '%"ticket.joined"%'
    )
    SELECT * FROM q`.execute(db);
  return result.rows[0];
}

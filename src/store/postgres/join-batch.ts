import { sql, type Kysely, type Selectable } from 'kysely';
import { CV_FLOOR, INITIAL_SCALE, UNMEASURED_CV } from '../../domain/eta.js';
import { DEFAULT_QUEUE_SETTINGS } from '../../domain/types.js';
import type { JoinRequest } from '../contract.js';
import { priorityRank } from '../kysely/rows.js';
import type { DB, QueuesTable } from '../kysely/schema.js';

/**
 * Where each new ticket lands relative to its priority's counter after the batch (see
 * positionsAtBack): high tickets behind the waiting high ones, normal ones at the very back.
 */
function relativePositions(reqs: readonly JoinRequest[]): number[] {
  const newHigh = reqs.filter((r) => r.priority === 'high').length;
  let high = -newHigh;
  let normal = -(reqs.length - newHigh);
  return reqs.map((r) => (r.priority === 'high' ? ++high : ++normal));
}

/**
 * A whole join batch in one statement, outside any explicit transaction: the UPDATE takes the
 * queue's row lock, checks status and capacity and reserves the numbers, and the INSERT writes the
 * tickets with numbers and seqs counted from the reserved range. One round trip and one commit
 * instead of BEGIN, lock, insert and COMMIT. PostgreSQL runs a data-modifying WITH to completion as
 * one atomic statement; without a queue row back (closed, full, no such queue) nothing changed.
 * The outbox gets one `ticket.joined` row per ticket and subscribed webhook in the same statement.
 * Waiting rooms take the general path: their quoted range comes from the admission rate; so does
 * the first batch after a daily-numbered queue's local midnight (its time zone is not known here).
 * The range quoted at join is `estimateWait` (src/domain/eta.ts) written in SQL, term for term in
 * the same order so both round alike; a test compares the two on this backend.
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
      WHERE id = ${queueId} AND mode = 'service' AND status <> 'closed' AND (capacity IS NULL OR waiting_count + ${n} <= capacity)
        AND (number_resets_at IS NULL OR number_resets_at > ${now})
      RETURNING *
    ), u AS (
      SELECT u.*, (CASE WHEN u.priority = 0 THEN q.waiting_high ELSE q.waiting_count END + u.rel)::float8 AS pos,
        COALESCE(q.service_ewma, (q.settings::json->>'averageServiceSeconds')::float8, ${DEFAULT_QUEUE_SETTINGS.averageServiceSeconds}::float8) AS m,
        q.service_ewma IS NULL AS unmeasured, GREATEST(0, COALESCE(q.service_var, 0)) AS var, COALESCE(q.eta_scale, ${INITIAL_SCALE}::float8) AS scale
      FROM q CROSS JOIN unnest(${col((r) => r.id)}::varchar[], ${col((r) => priorityRank(r.priority))}::smallint[], ${col((r) => r.tokenHash)}::varchar[],
        ${col((r) => r.name)}::varchar[], ${col((r) => r.contact)}::varchar[], ${col((r) => (r.metadata === null ? null : JSON.stringify(r.metadata)))}::text[],
        ${relativePositions(reqs)}::integer[], ${col((r) => r.lang ?? null)}::varchar[])
        WITH ORDINALITY AS u(id, priority, token_hash, name, contact, metadata, rel, lang, ord)
    ), ev AS (
      INSERT INTO webhook_deliveries (webhook_id, ticket_id, queue_id, type, data, occurred_at, next_attempt_at)
      SELECT w.id, u.id, q.id, 'ticket.joined', json_build_object('id', u.id, 'queueId', q.id,
          'number', q.last_number - ${n}::bigint + u.ord, 'status', 'waiting',
          'priority', CASE WHEN u.priority = 0 THEN 'high' ELSE 'normal' END,
          'position', u.pos::int, 'counter', NULL, 'recalls', 0)::text, ${now}::bigint, ${now}::bigint
      FROM q CROSS JOIN u CROSS JOIN webhooks w
      WHERE w.events LIKE '%"ticket.joined"%'
    ), s AS (
      SELECT u.*, u.scale * (CASE WHEN u.unmeasured OR u.m <= 0 THEN ${UNMEASURED_CV}::float8 ELSE GREATEST(${CV_FLOOR}::float8, sqrt(u.var) / u.m) END)
        * u.m * sqrt(u.pos) AS spread
      FROM u
    ), e AS (
      SELECT s.*, GREATEST(0, floor(s.pos * s.m - s.spread + 0.5)) AS lo, GREATEST(0, floor(s.pos * s.m + s.spread + 0.5)) AS hi FROM s
    ), ins AS (
      INSERT INTO tickets (id, queue_id, number, status, priority, seq, token_hash, name, contact, metadata, counter, created_at, called_at, ended_at, updated_at, eta_low, eta_high, number_epoch, lang)
      SELECT e.id, q.id, q.last_number - ${n}::bigint + e.ord, 'waiting', e.priority, q.last_seq - ${n}::bigint + e.ord, e.token_hash, e.name, e.contact, e.metadata,
        NULL, ${now}::bigint, NULL, NULL, ${now}::bigint, e.lo, CASE WHEN e.pos > 1 AND e.hi <= e.lo THEN e.lo + 1 ELSE e.hi END, q.number_epoch, e.lang
      FROM q CROSS JOIN e
    )
    SELECT * FROM q`.execute(db);
  return result.rows[0];
}

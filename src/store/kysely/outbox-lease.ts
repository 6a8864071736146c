import { sql, type Kysely } from 'kysely';
import {
  EMAIL_CHANNEL,
  type ClaimedDelivery,
  type ClaimOptions,
  type SettledAttempt,
  type WebhookEvent,
} from '../webhook-contract.js';
import type { DB } from './schema.js';

/** Lanes one claim statement reads side by side (SQLite allows 500 arms in a compound select). */
const LANES_PER_STATEMENT = 100;
/** Attempts one settle statement records (7 parameters each, well inside both engines' limits). */
const SETTLE_CHUNK = 200;

/**
 * Leases up to `limit` due deliveries to `owner`. Each lane (a webhook, or the email channel) with
 * room is read on its own through the pending rows' (webhook, due time, id) index, at most its
 * room of rows, so a claim reads about what it leases whatever the backlog, and a full lane is not
 * read at all. An earlier pending row of the same webhook and ticket holds the later ones back:
 * per-ticket order. `turn` rotates which lanes go first when there are more than one statement holds.
 */
export async function claimDue(
  db: Kysely<DB>,
  kind: 'sqlite' | 'postgres',
  owner: string,
  now: Date,
  leaseMs: number,
  limit: number,
  opts: ClaimOptions,
  turn: number,
): Promise<ClaimedDelivery[]> {
  const t = now.getTime();
  const cap = opts.perWebhook ?? limit;
  const hooks = await db.selectFrom('webhooks').select('id').orderBy('id').execute();
  const lanes = hooks
    .map((h) => ({ id: h.id, room: cap - (opts.inFlight?.get(h.id) ?? 0) }))
    .filter((l) => l.room > 0 && (opts.withEmail === true || l.id !== EMAIL_CHANNEL.id));
  const start = lanes.length === 0 ? 0 : turn % lanes.length;
  const order = [...lanes.slice(start), ...lanes.slice(0, start)];
  const lock = kind === 'postgres' ? sql`FOR UPDATE OF d SKIP LOCKED` : sql``;
  // Without fresh statistics SQLite may walk the (status, due time) index and filter by webhook,
  // reading other lanes' backlogs; PostgreSQL picks the lane index from the ORDER BY and LIMIT.
  const via = kind === 'sqlite' ? sql`INDEXED BY webhook_deliveries_lane_due` : sql``;
  const ids: number[] = [];
  for (let i = 0; i < order.length && ids.length < limit; i += LANES_PER_STATEMENT) {
    const arms = order.slice(i, i + LANES_PER_STATEMENT).map(
      (l, j) => sql`SELECT id, next_attempt_at FROM (
        SELECT d.id, d.next_attempt_at FROM webhook_deliveries d ${via}
        WHERE d.webhook_id = ${l.id} AND d.status = 'pending' AND d.next_attempt_at <= ${t} AND d.lease_until <= ${t}
          AND NOT EXISTS (SELECT 1 FROM webhook_deliveries e
            WHERE e.webhook_id = d.webhook_id AND e.ticket_id = d.ticket_id AND e.id < d.id AND e.status = 'pending')
        ORDER BY d.next_attempt_at, d.id LIMIT ${Math.min(l.room, limit)} ${lock}
      ) ${sql.raw(`l${j}`)}`,
    );
    const claimed = await sql<{ id: number }>`
      UPDATE webhook_deliveries SET lease_owner = ${owner}, lease_until = ${t + leaseMs}
      WHERE id IN (
        SELECT a.id FROM (${sql.join(arms, sql` UNION ALL `)}) a
        ORDER BY a.next_attempt_at, a.id LIMIT ${limit - ids.length}
      )
      RETURNING id`.execute(db);
    ids.push(...claimed.rows.map((r) => Number(r.id)));
  }
  if (ids.length === 0) return [];
  const rows = await db
    .selectFrom('webhook_deliveries as d')
    .innerJoin('webhooks as w', 'w.id', 'd.webhook_id')
    .leftJoin('tickets as t', 't.id', 'd.ticket_id')
    .select([
      'd.id',
      'd.webhook_id',
      'd.type',
      'd.data',
      'd.occurred_at',
      'd.attempts',
      'w.url',
      'w.sealed_secret',
      'w.include_contact',
    ])
    .select(['t.name', 't.contact', 't.lang'])
    .where('d.id', 'in', ids)
    .orderBy('d.next_attempt_at')
    .orderBy('d.id')
    .execute();
  return rows.map((r) => {
    const data = JSON.parse(r.data) as Record<string, unknown>;
    if (Number(r.include_contact) === 1)
      Object.assign(data, { name: r.name ?? null, contact: r.contact ?? null, lang: r.lang ?? null });
    return {
      id: String(r.id),
      webhookId: r.webhook_id,
      url: r.url,
      sealedSecret: r.sealed_secret,
      type: r.type as WebhookEvent,
      occurredAt: new Date(Number(r.occurred_at)),
      attempts: Number(r.attempts),
      data,
    };
  });
}

/**
 * Records finished attempts, one statement per chunk: each row gets its own outcome (delivered,
 * retry at its time, or failed), and only rows still leased to `owner` and pending are touched.
 * Returns the ids recorded; one missing lost its lease to another node meanwhile.
 */
export async function settleBatch(
  db: Kysely<DB>,
  owner: string,
  attempts: readonly SettledAttempt[],
): Promise<Set<string>> {
  const recorded = new Set<string>();
  for (let i = 0; i < attempts.length; i += SETTLE_CHUNK) {
    // Typed casts: PostgreSQL types a VALUES list's parameters from them, SQLite takes them as affinities.
    const values = attempts.slice(i, i + SETTLE_CHUNK).map(({ id, result: r, at }) => {
      const status = r.ok ? 'delivered' : r.retryAt === null ? 'failed' : 'pending';
      const retryAt = r.ok || r.retryAt === null ? null : r.retryAt.getTime();
      return sql`(CAST(${Number(id)} AS bigint), CAST(${at.getTime()} AS bigint), CAST(${r.responseStatus} AS integer),
        CAST(${r.latencyMs} AS double precision), CAST(${r.error === null ? null : r.error.slice(0, 500)} AS varchar(500)),
        CAST(${status} AS varchar(16)), CAST(${retryAt} AS bigint))`;
    });
    // VALUES columns are column1, column2, … on both engines.
    const r = await sql<{ id: number }>`
      UPDATE webhook_deliveries SET
        attempts = attempts + 1,
        last_attempt_at = v.column2,
        response_status = v.column3,
        latency_ms = v.column4,
        error = v.column5,
        status = v.column6,
        delivered_at = CASE WHEN v.column6 = 'delivered' THEN v.column2 ELSE delivered_at END,
        next_attempt_at = COALESCE(v.column7, next_attempt_at),
        lease_owner = NULL,
        lease_until = 0
      FROM (VALUES ${sql.join(values)}) AS v
      WHERE webhook_deliveries.id = v.column1 AND webhook_deliveries.lease_owner = ${owner}
        AND webhook_deliveries.status = 'pending'
      RETURNING webhook_deliveries.id`.execute(db);
    for (const row of r.rows) recorded.add(String(row.id));
  }
  return recorded;
}

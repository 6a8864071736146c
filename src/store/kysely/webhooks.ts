import { sql, type Kysely, type Selectable } from 'kysely';
import {
  EMAIL_CHANNEL,
  type AttemptResult,
  type ClaimedDelivery,
  type ClaimOptions,
  type DeliveryRecord,
  type DeliveryStatus,
  type WebhookEvent,
  type WebhookRecord,
  type WebhookStore,
} from '../webhook-contract.js';
import { changeHooks } from './hook-sets.js';
import type { DB, WebhookDeliveriesTable, WebhooksTable } from './schema.js';

const toWebhook = (r: Selectable<WebhooksTable>): WebhookRecord => ({
  id: r.id,
  url: r.url,
  events: JSON.parse(r.events) as WebhookEvent[],
  includeContact: Number(r.include_contact) === 1,
  createdAt: new Date(Number(r.created_at)),
});

const at = (v: number | null): Date | null => (v === null ? null : new Date(Number(v)));

const toDelivery = (r: Selectable<WebhookDeliveriesTable>): DeliveryRecord => ({
  id: String(r.id),
  webhookId: r.webhook_id,
  type: r.type as WebhookEvent,
  ticketId: r.ticket_id,
  queueId: r.queue_id,
  status: r.status as DeliveryStatus,
  attempts: Number(r.attempts),
  occurredAt: new Date(Number(r.occurred_at)),
  nextAttemptAt: r.status === 'pending' ? at(r.next_attempt_at) : null,
  lastAttemptAt: at(r.last_attempt_at),
  deliveredAt: at(r.delivered_at),
  responseStatus: r.response_status === null ? null : Number(r.response_status),
  latencyMs: r.latency_ms === null ? null : Number(r.latency_ms),
  error: r.error,
});

/** How many due rows a claim reads per row it may lease. */
const SCAN_FACTOR = 4;

/** The webhooks and outbox over Kysely; only the claim differs between engines. */
export class KyselyWebhookStore implements WebhookStore {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly kind: 'sqlite' | 'postgres',
  ) {}

  async createWebhook(
    w: { id: string; url: string; events: readonly WebhookEvent[]; sealedSecret: string; includeContact: boolean },
    now: Date,
  ): Promise<WebhookRecord> {
    const row = {
      id: w.id,
      url: w.url,
      events: JSON.stringify(w.events),
      sealed_secret: w.sealedSecret,
      include_contact: w.includeContact ? 1 : 0,
      created_at: now.getTime(),
    };
    await changeHooks(this.db, this.kind, async (trx) => {
      await trx.insertInto('webhooks').values(row).execute();
      return { result: undefined, changed: true };
    });
    return toWebhook(row);
  }

  async listWebhooks(): Promise<WebhookRecord[]> {
    const rows = await this.db
      .selectFrom('webhooks')
      .selectAll()
      .where('id', '!=', EMAIL_CHANNEL.id)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map(toWebhook);
  }

  async getWebhook(id: string): Promise<WebhookRecord | null> {
    if (id === EMAIL_CHANNEL.id) return null;
    const r = await this.db.selectFrom('webhooks').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? toWebhook(r) : null;
  }

  async deleteWebhook(id: string): Promise<boolean> {
    return changeHooks(this.db, this.kind, async (trx) => {
      // SQLite enforces the cascade only with foreign keys on; the rows go explicitly on both.
      await trx.deleteFrom('webhook_deliveries').where('webhook_id', '=', id).execute();
      const r = await trx.deleteFrom('webhooks').where('id', '=', id).executeTakeFirst();
      const deleted = Number(r.numDeletedRows) > 0;
      return { result: deleted, changed: deleted };
    });
  }

  async listDeliveries(
    webhookId: string,
    opts: { limit: number; cursor?: string },
  ): Promise<{ items: DeliveryRecord[]; nextCursor: string | null }> {
    let q = this.db
      .selectFrom('webhook_deliveries')
      .selectAll()
      .where('webhook_id', '=', webhookId)
      .orderBy('id', 'desc')
      .limit(opts.limit + 1);
    if (opts.cursor !== undefined) q = q.where('id', '<', Number(opts.cursor));
    const rows = await q.execute();
    const items = rows.slice(0, opts.limit).map(toDelivery);
    return { items, nextCursor: rows.length > opts.limit ? (items.at(-1)?.id ?? null) : null };
  }

  async setEmailChannel(on: boolean, now: Date): Promise<void> {
    if (!on) {
      await this.deleteWebhook(EMAIL_CHANNEL.id);
      return;
    }
    const row = {
      id: EMAIL_CHANNEL.id,
      url: EMAIL_CHANNEL.url,
      events: JSON.stringify(EMAIL_CHANNEL.events),
      sealed_secret: '',
      include_contact: 1,
      created_at: now.getTime(),
    };
    await changeHooks(this.db, this.kind, async (trx) => {
      const r = await trx
        .insertInto('webhooks')
        .values(row)
        .onConflict((oc) => oc.column('id').doNothing())
        .executeTakeFirst();
      return { result: undefined, changed: Number(r.numInsertedOrUpdatedRows ?? 0) > 0 };
    });
  }

  async claimDue(
    owner: string,
    now: Date,
    leaseMs: number,
    limit: number,
    opts: ClaimOptions = {},
  ): Promise<ClaimedDelivery[]> {
    const t = now.getTime();
    const cap = opts.perWebhook ?? limit;
    const held = [...(opts.inFlight ?? new Map<string, number>())].filter(([, n]) => n > 0);
    // A full lane is left out of the scan altogether, so a receiver that hangs with a long backlog
    // cannot fill every claim and starve the others.
    const full = held.filter(([, n]) => n >= cap).map(([id]) => id);
    if (!opts.withEmail) full.push(EMAIL_CHANNEL.id);
    const skip = full.length === 0 ? sql`` : sql`AND d.webhook_id NOT IN (${sql.join(full)})`;
    const partial = held.filter(([, n]) => n < cap);
    const room =
      partial.length === 0
        ? sql`CAST(${cap} AS integer)`
        : sql`CASE r.webhook_id ${sql.join(
            partial.map(([id, n]) => sql`WHEN ${id} THEN CAST(${cap - n} AS integer)`),
            sql` `,
          )} ELSE CAST(${cap} AS integer) END`;
    const lock = this.kind === 'postgres' ? sql`FOR UPDATE OF d SKIP LOCKED` : sql``;
    // The scan reads past `limit` so that rows trimmed by a lane's room leave room for other lanes.
    // An earlier pending row of the same webhook and ticket holds the later ones back: per-ticket order.
    const claimed = await sql<{ id: number }>`
      UPDATE webhook_deliveries SET lease_owner = ${owner}, lease_until = ${t + leaseMs}
      WHERE id IN (
        SELECT r.id FROM (
          SELECT c.id, c.webhook_id, ROW_NUMBER() OVER (PARTITION BY c.webhook_id ORDER BY c.id) AS rn FROM (
            SELECT d.id, d.webhook_id FROM webhook_deliveries d
            WHERE d.status = 'pending' AND d.next_attempt_at <= ${t} AND d.lease_until <= ${t} ${skip}
              AND NOT EXISTS (SELECT 1 FROM webhook_deliveries e
                WHERE e.webhook_id = d.webhook_id AND e.ticket_id = d.ticket_id AND e.id < d.id AND e.status = 'pending')
            ORDER BY d.id LIMIT ${limit * SCAN_FACTOR} ${lock}
          ) c
        ) r
        WHERE r.rn <= ${room}
        ORDER BY r.id LIMIT ${limit}
      )
      RETURNING id`.execute(this.db);
    if (claimed.rows.length === 0) return [];
    const rows = await this.db
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
      .where(
        'd.id',
        'in',
        claimed.rows.map((r) => Number(r.id)),
      )
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

  async settle(id: string, owner: string, result: AttemptResult, now: Date): Promise<boolean> {
    const t = now.getTime();
    const r = await this.db
      .updateTable('webhook_deliveries')
      .set((eb) => ({
        attempts: eb('attempts', '+', 1),
        last_attempt_at: t,
        response_status: result.responseStatus,
        latency_ms: result.latencyMs,
        error: result.error === null ? null : result.error.slice(0, 500),
        lease_owner: null,
        lease_until: 0,
        ...(result.ok
          ? { status: 'delivered', delivered_at: t }
          : result.retryAt === null
            ? { status: 'failed' }
            : { next_attempt_at: result.retryAt.getTime() }),
      }))
      .where('id', '=', Number(id))
      .where('lease_owner', '=', owner)
      .where('status', '=', 'pending')
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async resend(webhookId: string, deliveryId: string, now: Date): Promise<'ok' | 'not_found' | 'not_failed'> {
    const r = await this.db
      .updateTable('webhook_deliveries')
      .set({ status: 'pending', attempts: 0, next_attempt_at: now.getTime(), lease_until: 0, lease_owner: null })
      .where('id', '=', Number(deliveryId))
      .where('webhook_id', '=', webhookId)
      .where('status', '=', 'failed')
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) > 0) return 'ok';
    const row = await this.db
      .selectFrom('webhook_deliveries')
      .select('id')
      .where('id', '=', Number(deliveryId))
      .where('webhook_id', '=', webhookId)
      .executeTakeFirst();
    return row ? 'not_failed' : 'not_found';
  }

  async prune(deliveredBefore: Date, failedBefore: Date): Promise<number> {
    const r = await this.db
      .deleteFrom('webhook_deliveries')
      .where((eb) =>
        eb.or([
          eb.and([eb('status', '=', 'delivered'), eb('delivered_at', '<', deliveredBefore.getTime())]),
          eb.and([eb('status', '=', 'failed'), eb('occurred_at', '<', failedBefore.getTime())]),
        ]),
      )
      .executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  async backlog(now: Date): Promise<{ pending: number; failed: number; oldestPendingSeconds: number | null }> {
    const rows = await this.db
      .selectFrom('webhook_deliveries')
      .select(['status', (eb) => eb.fn.countAll<number>().as('n'), (eb) => eb.fn.min('occurred_at').as('oldest')])
      .where('status', 'in', ['pending', 'failed'])
      .groupBy('status')
      .execute();
    const pending = rows.find((r) => r.status === 'pending');
    const failed = rows.find((r) => r.status === 'failed');
    return {
      pending: Number(pending?.n ?? 0),
      failed: Number(failed?.n ?? 0),
      oldestPendingSeconds:
        pending?.oldest == null ? null : Math.max(0, (now.getTime() - Number(pending.oldest)) / 1000),
    };
  }

  async backlogByWebhook(): Promise<{ webhookId: string; pending: number; failed: number }[]> {
    const rows = await this.db
      .selectFrom('webhook_deliveries')
      .select(['webhook_id', 'status', (eb) => eb.fn.countAll<number>().as('n')])
      .where('status', 'in', ['pending', 'failed'])
      .groupBy(['webhook_id', 'status'])
      .execute();
    const by = new Map<string, { webhookId: string; pending: number; failed: number }>();
    for (const r of rows) {
      const b = by.get(r.webhook_id) ?? { webhookId: r.webhook_id, pending: 0, failed: 0 };
      if (r.status === 'pending') b.pending = Number(r.n);
      else b.failed = Number(r.n);
      by.set(r.webhook_id, b);
    }
    return [...by.values()];
  }
}

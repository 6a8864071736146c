import type { Kysely, Selectable } from 'kysely';
import {
  EMAIL_CHANNEL,
  type ClaimedDelivery,
  type ClaimOptions,
  type DeliveryRecord,
  type DeliveryStatus,
  type SettledAttempt,
  type WebhookEvent,
  type WebhookRecord,
  type WebhookStore,
} from '../webhook-contract.js';
import { changeHooks } from './hook-sets.js';
import { claimDue, settleBatch } from './outbox-lease.js';
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

/** The webhooks and outbox over Kysely; only the claim differs between engines. */
export class KyselyWebhookStore implements WebhookStore {
  /** Claims so far: which lanes a claim reads first, when there are too many for one statement. */
  private turn = 0;

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
    return claimDue(this.db, this.kind, owner, now, leaseMs, limit, opts, this.turn++);
  }

  settleBatch(owner: string, attempts: readonly SettledAttempt[]): Promise<Set<string>> {
    return settleBatch(this.db, owner, attempts);
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

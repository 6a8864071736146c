import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { sql, type Kysely } from 'kysely';
import { RETRY_DELAYS_MS } from '../../src/domain/webhook-attempt.js';
import { WebhookDispatcher } from '../../src/domain/webhook-dispatcher.js';
import { secretBox } from '../../src/domain/tokens.js';
import { registerWebhook } from '../../src/domain/webhooks.js';
import type { WebhookEvent } from '../../src/store/webhook-contract.js';
import { healthCheck } from '../../src/maintenance/steps/health-check/index.js';
import { call, COMBOS, suiteNode } from '../support/harness.js';
import { stepContextOf } from '../support/maintenance.js';
import { createQueue, join, leave } from '../http/helpers.js';
import { suiteReceiver } from '../support/receiver.js';

/**
 * The outbox under a moved clock: retries and their schedule, per-ticket order behind a failing
 * delivery, one sender per delivery across nodes, and no event for a change that rolled back. The
 * node's own sender is a minute away, so only the dispatchers made here send.
 */

const IDLE = { QK_WEBHOOK_PRIVATE: 'on', QK_WEBHOOK_POLL_MS: '60000' };

for (const combo of COMBOS) {
  describe(`webhook outbox (${combo.name})`, { skip: combo.skip }, () => {
    const node = suiteNode(combo, IDLE);
    const rx = suiteReceiver();
    let now = Date.now();
    const clock = () => new Date(now);
    const dispatcher = (owner: string) =>
      new WebhookDispatcher({
        store: node.rt.store.webhooks,
        secrets: node.rt.secrets,
        owner,
        timeoutMs: 2000,
        pollMs: 60_000,
        clock,
      });
    const hook = async (events: WebhookEvent[]) =>
      (
        await registerWebhook(
          node.rt.store.webhooks,
          { url: rx.url, events, includeContact: false },
          { allowPrivate: true, now: new Date(), secrets: node.rt.secrets },
        )
      ).record.id;
    const deliveries = async (id: string) =>
      (await call(node.url, 'GET', `/api/webhooks/${id}/deliveries?limit=500`)).body.items as any[];

    test('ticket.near goes to the ticket that moved up, not to one a leaver behind it left in place', async () => {
      const id = await hook(['ticket.near']);
      const q = await createQueue(node.url, { settings: { notifyAtPosition: 3 } });
      const t: { id: string; token: string }[] = [];
      for (let i = 0; i < 5; i++) t.push(await join(node.url, q.id));
      // From 5th place: t[2] stays 3rd, where it joined.
      assert.equal((await leave(node.url, t[4]!.id, t[4]!.token)).status, 200);
      assert.deepEqual(await deliveries(id), []);
      // From 1st place: t[3] moves up to 3rd.
      assert.equal((await leave(node.url, t[0]!.id, t[0]!.token)).status, 200);
      assert.deepEqual(
        (await deliveries(id)).map((d) => [d.type, d.ticketId]),
        [['ticket.near', t[3]!.id]],
      );
      await node.rt.store.webhooks.deleteWebhook(id);
    });

    test('a failed attempt is retried on schedule, later events of the ticket wait behind it', async () => {
      const id = await hook(['ticket.joined', 'ticket.called']);
      const q = await createQueue(node.url);
      const t = await join(node.url, q.id);
      assert.equal((await call(node.url, 'POST', `/api/queues/${q.id}/call-next`, { body: {} })).status, 200);
      // The clock starts once the events are written: on a busy machine the writes take a while.
      now = Date.now() + 1000;
      const d = dispatcher('a');
      rx.mode = 'fail';
      assert.equal(await d.runOnce(), 1, 'only the ticket.joined is due: ticket.called waits behind it');
      let [called, joined] = await deliveries(id);
      assert.deepEqual(
        [joined.type, joined.status, joined.attempts, joined.responseStatus],
        ['ticket.joined', 'pending', 1, 500],
      );
      assert.equal(Date.parse(joined.nextAttemptAt), now + (RETRY_DELAYS_MS[0] as number));
      assert.equal(called.attempts, 0);
      rx.mode = 'ok';
      now += (RETRY_DELAYS_MS[0] as number) - 1;
      assert.equal(await d.runOnce(), 0, 'not due yet');
      now += 1;
      assert.equal(await d.runOnce(), 2, 'the ticket.joined, then at once the ticket.called behind it');
      [called, joined] = await deliveries(id);
      assert.deepEqual([joined.status, joined.attempts, called.status], ['delivered', 2, 'delivered']);
      const mine = rx.received.filter((r) => r.json.data.id === t.id).map((r) => r.json.type);
      assert.deepEqual(mine, ['ticket.joined', 'ticket.called']);
      await node.rt.store.webhooks.deleteWebhook(id);
    });

    test('after more than 24 hours of retries a delivery fails, and can be sent again', async () => {
      const id = await hook(['ticket.joined']);
      const q = await createQueue(node.url);
      await join(node.url, q.id);
      now = Date.now() + 1000;
      const start = now;
      const d = dispatcher('a');
      rx.mode = 'fail';
      for (let i = 0; i <= RETRY_DELAYS_MS.length; i++) {
        assert.equal(await d.runOnce(), 1, `attempt ${i + 1}`);
        const [x] = await deliveries(id);
        if (x.status === 'pending') now = Date.parse(x.nextAttemptAt);
      }
      const [failed] = await deliveries(id);
      assert.equal(failed.status, 'failed');
      assert.equal(failed.attempts, RETRY_DELAYS_MS.length + 1);
      assert.ok(now - start >= 24 * 3_600_000, `retried for ${(now - start) / 3_600_000} h`);
      now += 86_400_000;
      assert.equal(await d.runOnce(), 0, 'a failed delivery is not retried by itself');

      // GET /api/outbox counts it, in total and for its webhook.
      const outbox = async () => (await call(node.url, 'GET', '/api/outbox')).body;
      const depth = await outbox();
      assert.ok(depth.failed >= 1, JSON.stringify(depth));
      assert.deepEqual(
        depth.byWebhook.find((b: { webhookId: string }) => b.webhookId === id),
        { webhookId: id, pending: 0, failed: 1 },
      );

      rx.mode = 'ok';
      const path = `/api/webhooks/${id}/deliveries/${failed.id}/resend`;
      assert.equal((await call(node.url, 'POST', path)).status, 204);
      assert.deepEqual(
        (await outbox()).byWebhook.find((b: { webhookId: string }) => b.webhookId === id),
        { webhookId: id, pending: 1, failed: 0 },
        'sent again: pending once more',
      );
      assert.equal(await d.runOnce(), 1);
      const [sent] = await deliveries(id);
      assert.deepEqual([sent.status, sent.attempts], ['delivered', 1]);
      assert.equal((await call(node.url, 'POST', path)).status, 409);
      assert.equal((await call(node.url, 'POST', `/api/webhooks/${id}/deliveries/999999/resend`)).status, 404);
      assert.equal(
        (await outbox()).byWebhook.some((b: { webhookId: string }) => b.webhookId === id),
        false,
        'delivered: nothing left',
      );
      assert.equal((await call(node.url, 'GET', '/api/outbox', { key: null })).status, 401);
      await node.rt.store.webhooks.deleteWebhook(id);
    });

    test('two nodes sending at once deliver each event once; a dead node’s lease runs out', async () => {
      rx.mode = 'ok';
      const id = await hook(['ticket.joined']);
      const q = await createQueue(node.url);
      for (let i = 0; i < 30; i++) await join(node.url, q.id);
      // Thirty joins can take more than a second on a busy machine: they must all be due.
      now = Date.now() + 1000;
      const before = rx.received.length;
      const [a, b] = [dispatcher('a'), dispatcher('b')];
      const sent = (await Promise.all([a.runOnce(), b.runOnce(), a.runOnce(), b.runOnce()])).reduce((x, y) => x + y);
      assert.equal(sent, 30);
      const got = rx.received.slice(before).map((r) => r.headers['webhook-id']);
      assert.equal(new Set(got).size, 30);
      assert.equal(got.length, 30);

      await join(node.url, q.id);
      // The clock starts past the join however long the ones before took on a busy machine.
      now = Date.now() + 1000;
      const store = node.rt.store.webhooks;
      const [taken] = await store.claimDue('dead', new Date(now), 10_000, 10);
      assert.ok(taken);
      assert.equal(await a.runOnce(), 0, 'leased to a node that stopped answering');
      now += 10_000;
      assert.equal(await a.runOnce(), 1, 'taken over once the lease ran out');
      const late = { ok: true, responseStatus: 204, latencyMs: 1, error: null, retryAt: null };
      assert.deepEqual(await store.settleBatch('dead', [{ id: taken.id, result: late, at: new Date(now) }]), new Set());
      await store.deleteWebhook(id);
    });

    test('delivered rows are pruned after a week; undelivered ones stay', async () => {
      rx.mode = 'ok';
      const id = await hook(['ticket.joined', 'ticket.left']);
      const q = await createQueue(node.url);
      const t = await join(node.url, q.id);
      now = Date.now() + 1000;
      const t0 = now;
      assert.equal(await dispatcher('a').runOnce(), 1);
      await call(node.url, 'DELETE', `/api/tickets/${t.id}`, { key: null, headers: { 'x-ticket-token': t.token } });
      now = t0 + 7 * 86_400_000 - 1;
      assert.equal(await dispatcher('p1').runOnce(), 1, 'nothing pruned yet; the ticket.left is sent');
      assert.equal((await deliveries(id)).length, 2);
      now = t0 + 7 * 86_400_000 + 1;
      await dispatcher('p2').runOnce();
      assert.deepEqual(
        (await deliveries(id)).map((x) => x.type),
        ['ticket.left'],
      );
      rx.mode = 'fail';
      await join(node.url, q.id);
      now += 8 * 86_400_000;
      await dispatcher('p3').runOnce();
      const left = await deliveries(id);
      assert.deepEqual(
        left.map((x) => [x.type, x.status]),
        [['ticket.joined', 'pending']],
      );
      await node.rt.store.webhooks.deleteWebhook(id);
    });

    test('a secret sealed under another key is never used to sign: the attempt fails and says why', async () => {
      rx.mode = 'ok';
      const { record } = await registerWebhook(
        node.rt.store.webhooks,
        { url: rx.url, events: ['ticket.joined'], includeContact: false },
        { allowPrivate: true, now: new Date(), secrets: secretBox(randomBytes(32)) },
      );
      const q = await createQueue(node.url);
      await join(node.url, q.id);
      now = Date.now() + 1000;
      const before = rx.received.length;
      assert.equal(await dispatcher('a').runOnce(), 1);
      assert.equal(rx.received.length, before, 'nothing sent');
      const [d] = await deliveries(record.id);
      assert.deepEqual([d.status, d.attempts], ['pending', 1]);
      assert.match(d.error, /signing secret cannot be opened/);
      await node.rt.store.webhooks.deleteWebhook(record.id);
    });

    test('the daily health check warns of failed deliveries', async () => {
      const messages = async () => {
        const r = await healthCheck(stepContextOf(node.rt));
        return {
          outbox: r.figures.outbox as { failed: number },
          found: r.findings.some((f) => /failed after every retry/.test(f.message)),
        };
      };
      const id = await hook(['ticket.joined']);
      const before = await messages();
      const q = await createQueue(node.url);
      await join(node.url, q.id);
      now = Date.now() + 1000;
      const [d] = await node.rt.store.webhooks.claimDue('a', new Date(now), 10_000, 10);
      assert.ok(d);
      const gaveUp = { ok: false, responseStatus: 500, latencyMs: 3, error: 'receiver answered 500', retryAt: null };
      assert.deepEqual(
        await node.rt.store.webhooks.settleBatch('a', [{ id: d.id, result: gaveUp, at: new Date(now) }]),
        new Set([d.id]),
      );
      const afterFail = await messages();
      assert.equal(afterFail.outbox.failed, before.outbox.failed + 1);
      assert.equal(afterFail.found, true);
      await node.rt.store.webhooks.deleteWebhook(id);
      if (before.outbox.failed === 0) assert.equal((await messages()).found, false);
    });

    test('a change that rolls back leaves no event behind', async () => {
      rx.mode = 'ok';
      const id = await hook(['ticket.called', 'ticket.served']);
      const q = await createQueue(node.url);
      const t = await join(node.url, q.id);
      assert.equal((await call(node.url, 'POST', `/api/queues/${q.id}/call-next`, { body: {} })).status, 200);
      const db = (node.rt.store as unknown as { d: { db: Kysely<any> } }).d.db;
      // The fault fires after the outbox row is written, inside the serve's transaction.
      if (combo.name.startsWith('SQLite'))
        await sql`CREATE TRIGGER qk_fault AFTER INSERT ON webhook_deliveries WHEN NEW.type = 'ticket.served'
          BEGIN SELECT RAISE(ABORT, 'injected fault'); END`.execute(db);
      else {
        await sql`CREATE FUNCTION qk_fault() RETURNS trigger LANGUAGE plpgsql AS $$
          BEGIN IF NEW.type = 'ticket.served' THEN RAISE EXCEPTION 'injected fault'; END IF; RETURN NEW; END $$`.execute(
          db,
        );
        await sql`CREATE TRIGGER qk_fault AFTER INSERT ON webhook_deliveries FOR EACH ROW EXECUTE FUNCTION qk_fault()`.execute(
          db,
        );
      }
      const served = await call(node.url, 'POST', `/api/tickets/${t.id}/serve`);
      assert.ok(served.status >= 500, `serve answered ${served.status}`);
      await sql`DROP TRIGGER qk_fault${combo.name.startsWith('SQLite') ? sql`` : sql` ON webhook_deliveries`}`.execute(
        db,
      );
      assert.equal((await node.rt.store.getTicket(t.id))?.status, 'called');
      assert.deepEqual(
        (await deliveries(id)).map((x) => x.type),
        ['ticket.called'],
      );
      assert.equal((await call(node.url, 'POST', `/api/tickets/${t.id}/serve`)).status, 200);
      assert.deepEqual(
        (await deliveries(id)).map((x) => x.type),
        ['ticket.served', 'ticket.called'],
      );
      await node.rt.store.webhooks.deleteWebhook(id);
    });
  });
}

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { WebhookDispatcher } from '../../src/domain/webhook-dispatcher.js';
import { registerWebhook } from '../../src/domain/webhooks.js';
import type { WebhookEvent } from '../../src/store/webhook-contract.js';
import { call, COMBOS, eventually, suiteNode } from '../support/harness.js';
import { createQueue, join } from '../http/helpers.js';
import { startReceiver, type Receiver } from '../support/receiver.js';

/**
 * The dispatcher's lanes: each webhook sends on its own, a backlog drains in one round, and the
 * outbox's guarantees (order per ticket, one sender per delivery) hold with several sends in
 * flight. The node's own sender is a minute away, so only the dispatchers made here send.
 */

const IDLE = { QK_WEBHOOK_PRIVATE: 'on', QK_WEBHOOK_POLL_MS: '60000' };

for (const combo of COMBOS) {
  describe(`webhook dispatch lanes (${combo.name})`, { skip: combo.skip }, () => {
    const node = suiteNode(combo, IDLE);
    let now = Date.now();
    const dispatcher = (owner: string, o: { batch: number; perWebhook: number; timeoutMs?: number }) =>
      new WebhookDispatcher({
        store: node.rt.store.webhooks,
        secrets: node.rt.secrets,
        owner,
        timeoutMs: o.timeoutMs ?? 2000,
        pollMs: 60_000,
        clock: () => new Date(now),
        batch: o.batch,
        perWebhook: o.perWebhook,
      });
    const hook = async (rx: Receiver, events: WebhookEvent[]) =>
      (
        await registerWebhook(
          node.rt.store.webhooks,
          { url: rx.url, events, includeContact: false },
          { allowPrivate: true, now: new Date(), secrets: node.rt.secrets },
        )
      ).record.id;
    const deliveries = async (id: string) =>
      (await call(node.url, 'GET', `/api/webhooks/${id}/deliveries?limit=500`)).body.items as any[];
    const callNext = async (queueId: string) =>
      (await call(node.url, 'POST', `/api/queues/${queueId}/call-next`, { body: {} })).body as { id: string };
    const ids = (rxs: Receiver[]) => rxs.flatMap((rx) => rx.received.map((r) => r.headers['webhook-id']));

    test('a hanging receiver holds only its own lane: another webhook is served in the same round', async () => {
      const stuck = await startReceiver('hang');
      const fine = await startReceiver('ok');
      const stuckId = await hook(stuck, ['ticket.joined']);
      const fineId = await hook(fine, ['ticket.called']);
      const q = await createQueue(node.url);
      // Three events for the hanging receiver come first, more than one claim of 2 holds.
      for (let i = 0; i < 3; i++) await join(node.url, q.id);
      for (let i = 0; i < 3; i++) await callNext(q.id);
      now = Date.now() + 1000;
      // A timeout far beyond the wait below: only a lane of its own lets the others through.
      const d = dispatcher('a', { batch: 2, perWebhook: 2, timeoutMs: 60_000 });
      const round = d.runOnce();
      await eventually(async () => assert.equal(fine.received.length, 3));
      assert.deepEqual(
        (await deliveries(fineId)).map((x) => x.status),
        ['delivered', 'delivered', 'delivered'],
      );
      assert.deepEqual(
        (await deliveries(stuckId)).map((x) => [x.status, x.attempts]),
        [
          ['pending', 0],
          ['pending', 0],
          ['pending', 0],
        ],
        'the hanging receiver still holds its sends',
      );
      // Closing the hanging receiver cuts its connections: its attempts fail and are retried later.
      await stuck.close();
      assert.equal(await round, 6);
      assert.deepEqual(
        (await deliveries(stuckId)).map((x) => [x.status, x.attempts]),
        [
          ['pending', 1],
          ['pending', 1],
          ['pending', 1],
        ],
      );
      await fine.close();
      await node.rt.store.webhooks.deleteWebhook(stuckId);
      await node.rt.store.webhooks.deleteWebhook(fineId);
    });

    test('a backlog larger than one claim drains in one round, without waiting for the next poll', async () => {
      const rx = await startReceiver('ok');
      const id = await hook(rx, ['ticket.joined']);
      const q = await createQueue(node.url);
      for (let i = 0; i < 12; i++) await join(node.url, q.id);
      now = Date.now() + 1000;
      assert.equal(await dispatcher('a', { batch: 5, perWebhook: 3 }).runOnce(), 12);
      assert.equal(new Set(ids([rx])).size, 12);
      assert.ok((await deliveries(id)).every((x) => x.status === 'delivered' && x.attempts === 1));
      await rx.close();
      await node.rt.store.webhooks.deleteWebhook(id);
    });

    test('with several sends in flight per webhook, each ticket’s events still arrive in order', async () => {
      const rx = await startReceiver('ok');
      const id = await hook(rx, ['ticket.joined', 'ticket.called', 'ticket.served']);
      const q = await createQueue(node.url);
      const tickets: string[] = [];
      for (let i = 0; i < 5; i++) tickets.push((await join(node.url, q.id)).id);
      for (let i = 0; i < 5; i++) {
        const called = await callNext(q.id);
        assert.equal((await call(node.url, 'POST', `/api/tickets/${called.id}/serve`)).status, 200);
      }
      now = Date.now() + 1000;
      assert.equal(await dispatcher('a', { batch: 50, perWebhook: 4 }).runOnce(), 15);
      for (const t of tickets)
        assert.deepEqual(
          rx.received.filter((r) => r.json.data.id === t).map((r) => r.json.type),
          ['ticket.joined', 'ticket.called', 'ticket.served'],
          `ticket ${t}`,
        );
      await rx.close();
      await node.rt.store.webhooks.deleteWebhook(id);
    });

    test('two dispatchers draining the same backlog send every delivery exactly once', async () => {
      const rxs = [await startReceiver('ok'), await startReceiver('ok')];
      const hooks = [await hook(rxs[0]!, ['ticket.joined']), await hook(rxs[1]!, ['ticket.joined'])];
      const q = await createQueue(node.url);
      for (let i = 0; i < 15; i++) await join(node.url, q.id);
      now = Date.now() + 1000;
      const [a, b] = [dispatcher('a', { batch: 3, perWebhook: 2 }), dispatcher('b', { batch: 3, perWebhook: 2 })];
      const sent = await Promise.all([a.runOnce(), b.runOnce()]);
      assert.equal(sent[0]! + sent[1]!, 30);
      const got = ids(rxs);
      assert.equal(got.length, 30);
      assert.equal(new Set(got).size, 30);
      for (const h of hooks)
        assert.ok((await deliveries(h)).every((x) => x.status === 'delivered' && x.attempts === 1));
      for (const rx of rxs) await rx.close();
      for (const h of hooks) await node.rt.store.webhooks.deleteWebhook(h);
    });
  });
}

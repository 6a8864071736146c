import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RETRY_DELAYS_MS, webhookAttempt } from '../../src/domain/webhook-attempt.js';
import { WebhookDispatcher } from '../../src/domain/webhook-dispatcher.js';
import { registerWebhook } from '../../src/domain/webhooks.js';
import type { WebhookStore } from '../../src/store/webhook-contract.js';
import { call, COMBOS, eventually, suiteNode } from '../support/harness.js';
import { createQueue, join } from '../http/helpers.js';
import { startReceiver, type Receiver } from '../support/receiver.js';

/**
 * Finished sends are recorded in batches: each row of a batch gets its own outcome, and a node
 * that dies after sending but before its batch is written leaves the row leased, to be sent again
 * once the lease runs out (at least once, never lost). The node's own sender is a minute away.
 */

const IDLE = { QK_WEBHOOK_PRIVATE: 'on', QK_WEBHOOK_POLL_MS: '60000' };
const TIMEOUT_MS = 300;

for (const combo of COMBOS) {
  describe(`batched settle of webhook sends (${combo.name})`, { skip: combo.skip }, () => {
    const node = suiteNode(combo, IDLE);
    let now = Date.now();
    const clock = () => new Date(now);
    const hook = async (rx: Receiver) =>
      (
        await registerWebhook(
          node.rt.store.webhooks,
          { url: rx.url, events: ['ticket.joined'], includeContact: false },
          { allowPrivate: true, now: new Date(), secrets: node.rt.secrets },
        )
      ).record.id;
    const deliveries = async (id: string) =>
      (await call(node.url, 'GET', `/api/webhooks/${id}/deliveries?limit=500`)).body.items as any[];

    test('one batch of a 2xx, a 500 and a timeout records each row with its own outcome', async () => {
      const rxs = {
        ok: await startReceiver('ok'),
        fail: await startReceiver('fail'),
        hang: await startReceiver('hang'),
      };
      const ids = { ok: await hook(rxs.ok), fail: await hook(rxs.fail), hang: await hook(rxs.hang) };
      const q = await createQueue(node.url);
      await join(node.url, q.id);
      now = Date.now() + 1000;
      const store = node.rt.store.webhooks;
      const claimed = await store.claimDue('a', clock(), 10_000, 10);
      assert.equal(claimed.length, 3);
      const ctx = { timeoutMs: TIMEOUT_MS, clock, secrets: node.rt.secrets };
      const results = await Promise.all(claimed.map((d) => webhookAttempt(d, ctx)));
      // Each attempt finished at its own moment: the rows must not share one.
      const batch = claimed.map((d, i) => ({ id: d.id, result: results[i]!, at: new Date(now + 10 * (i + 1)) }));
      assert.deepEqual(await store.settleBatch('a', batch), new Set(claimed.map((d) => d.id)));

      const finished = new Map(claimed.map((d, i) => [d.webhookId, batch[i]!.at.getTime()]));
      const [ok] = await deliveries(ids.ok);
      assert.deepEqual(
        [ok.status, ok.attempts, ok.responseStatus, ok.error, ok.nextAttemptAt],
        ['delivered', 1, 204, null, null],
      );
      assert.equal(Date.parse(ok.deliveredAt), finished.get(ids.ok));
      assert.equal(Date.parse(ok.lastAttemptAt), finished.get(ids.ok));

      const [failed] = await deliveries(ids.fail);
      assert.deepEqual(
        [failed.status, failed.attempts, failed.responseStatus, failed.error, failed.deliveredAt],
        ['pending', 1, 500, 'receiver answered 500', null],
      );
      assert.equal(Date.parse(failed.nextAttemptAt), now + RETRY_DELAYS_MS[0]!);
      assert.equal(Date.parse(failed.lastAttemptAt), finished.get(ids.fail));

      const [hung] = await deliveries(ids.hang);
      assert.deepEqual(
        [hung.status, hung.attempts, hung.responseStatus, hung.error, hung.deliveredAt],
        ['pending', 1, null, `no answer within ${TIMEOUT_MS} ms`, null],
      );
      assert.equal(Date.parse(hung.nextAttemptAt), now + RETRY_DELAYS_MS[0]!);
      assert.ok(hung.latencyMs >= TIMEOUT_MS * 0.9, `latency ${hung.latencyMs} ms`);

      // The rows that were retried are due again on their schedule, and the lease is free.
      now += RETRY_DELAYS_MS[0]!;
      const again = await store.claimDue('b', clock(), 10_000, 10);
      assert.deepEqual(new Set(again.map((d) => d.webhookId)), new Set([ids.fail, ids.hang]));
      const gaveUp = { ok: false, responseStatus: 500, latencyMs: 1, error: 'receiver answered 500', retryAt: null };
      const recorded = await store.settleBatch('b', [
        ...again.map((d) => ({ id: d.id, result: gaveUp, at: clock() })),
        // Not leased to b (already delivered): discarded, and the row is left as it was.
        { id: claimed.find((d) => d.webhookId === ids.ok)!.id, result: gaveUp, at: clock() },
      ]);
      assert.deepEqual(recorded, new Set(again.map((d) => d.id)));
      assert.deepEqual(
        [(await deliveries(ids.fail))[0].status, (await deliveries(ids.hang))[0].status],
        ['failed', 'failed'],
      );
      assert.equal((await deliveries(ids.ok))[0].status, 'delivered');
      for (const rx of Object.values(rxs)) await rx.close();
      for (const id of Object.values(ids)) await store.deleteWebhook(id);
    });

    test('a node that dies between sending and writing its batch leaves the row to be sent again', async () => {
      const rx = await startReceiver('ok');
      const id = await hook(rx);
      const q = await createQueue(node.url);
      await join(node.url, q.id);
      now = Date.now() + 1000;
      const real = node.rt.store.webhooks;
      // The batch write never happens: the process is gone the moment after the send.
      const dying = new Proxy(real, {
        get: (o, p) => (p === 'settleBatch' ? () => new Promise<never>(() => undefined) : Reflect.get(o, p)),
      }) as WebhookStore;
      const dispatcher = (store: WebhookStore, owner: string) =>
        new WebhookDispatcher({ store, secrets: node.rt.secrets, owner, timeoutMs: 2000, pollMs: 60_000, clock });
      void dispatcher(dying, 'dead').runOnce();
      await eventually(async () => assert.equal(rx.received.length, 1));
      const [held] = await deliveries(id);
      assert.deepEqual([held.status, held.attempts], ['pending', 0], 'sent but not recorded: still pending');

      const survivor = dispatcher(real, 'b');
      assert.equal(await survivor.runOnce(), 0, 'the dead node still holds the lease');
      // The lease is twice the timeout plus 5 s.
      now += 2 * 2000 + 5000;
      assert.equal(await survivor.runOnce(), 1, 'taken over once the lease ran out');
      assert.equal(rx.received.length, 2);
      const [first, second] = rx.received.map((r) => r.headers['webhook-id']);
      assert.equal(second, first, 'the same delivery, so the receiver can tell the duplicate');
      const [sent] = await deliveries(id);
      assert.deepEqual([sent.status, sent.attempts], ['delivered', 1]);
      await rx.close();
      await real.deleteWebhook(id);
    });
  });
}

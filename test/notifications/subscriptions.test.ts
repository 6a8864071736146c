import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { registerWebhook } from '../../src/domain/webhooks.js';
import { call, COMBOS, startNode, type Node } from '../support/harness.js';
import { createQueue, join } from '../http/helpers.js';

/**
 * Each node keeps the set of webhooks in memory between changes of it (src/store/kysely/hook-sets.ts).
 * A webhook created or deleted through another node must count from the next change on: its events
 * are written in that change's transaction, and a deleted one gets none.
 */
const QUIET = { QK_WEBHOOK_PRIVATE: 'on', QK_WEBHOOK_POLL_MS: '60000' };

for (const combo of COMBOS) {
  describe(`webhook subscriptions across nodes (${combo.name})`, { skip: combo.skip }, () => {
    const iso = combo.isolate();
    let a: Node;
    let b: Node;
    before(async () => {
      a = await startNode(iso.env, QUIET);
      b = await startNode(iso.env, QUIET);
    });
    after(async () => {
      await a?.close();
      await b?.close();
      await iso.cleanup();
    });

    const callNext = async (q: string) => {
      const r = await call(a.url, 'POST', `/api/queues/${q}/call-next`, { body: {} });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return r.body.id as string;
    };
    const eventsOf = async (hookId: string) =>
      (await a.rt.store.webhooks.listDeliveries(hookId, { limit: 100 })).items.map((d) => `${d.type} ${d.ticketId}`);

    test('a webhook created through another node gets the next change’s event; a deleted one gets none', async () => {
      const q = (await createQueue(a.url)).id as string;
      for (let i = 0; i < 3; i++) await join(a.url, q);
      // No webhook yet: this node now holds an empty set for the queue.
      await callNext(q);

      const { record } = await registerWebhook(
        b.rt.store.webhooks,
        { url: 'http://127.0.0.1:9/hook', events: ['ticket.called'], includeContact: false },
        { allowPrivate: true, now: new Date(), secrets: b.rt.secrets },
      );
      const second = await callNext(q);
      assert.deepEqual(await eventsOf(record.id), [`ticket.called ${second}`]);

      assert.equal(await b.rt.store.webhooks.deleteWebhook(record.id), true);
      // Writing for the deleted webhook would break its foreign key or leave an orphan row.
      await callNext(q);
      assert.equal((await a.rt.store.webhooks.getWebhook(record.id)) === null, true);
      assert.deepEqual(await a.rt.store.webhooks.backlog(new Date()), {
        pending: 0,
        failed: 0,
        oldestPendingSeconds: null,
      });
    });
  });
}

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { call, COMBOS, suiteNode } from '../support/harness.js';
import { assertError, createQueue, getTicket, join, leave } from './helpers.js';

/**
 * The status route answers a waiting ticket polled again from what the node holds (the status
 * cache, in-process backend). Whatever it holds, a ticket that moved on answers with its new
 * status, and a wrong token is refused as if the ticket did not exist.
 */
for (const combo of COMBOS) {
  describe(combo.name, { skip: combo.skip }, () => {
    const node = suiteNode(combo);

    test('polled again: the same answer; a wrong or another ticket’s token is refused', async () => {
      const q = (await createQueue(node.url)).id;
      const t = await join(node.url, q);
      const other = await join(node.url, q);
      for (let i = 0; i < 3; i++) {
        const r = await getTicket(node.url, t.id, t.token);
        assert.equal(r.status, 200);
        assert.equal(r.body.position, 1);
      }
      assertError(await getTicket(node.url, t.id, other.token), 404, 'not_found', 'another ticket’s token');
      assertError(await getTicket(node.url, t.id, `${t.token.slice(0, -1)}x`), 404, 'not_found', 'one character off');
      assertError(await getTicket(node.url, t.id, undefined), 404, 'not_found', 'no token');
      assert.equal((await getTicket(node.url, t.id, t.token)).status, 200, 'the right token still works');
    });

    test('after calls, requeues, leaves and serves the status and position are the new ones', async () => {
      const q = (await createQueue(node.url)).id;
      const a = await join(node.url, q);
      const b = await join(node.url, q);
      const c = await join(node.url, q);
      for (const t of [a, b, c]) assert.equal((await getTicket(node.url, t.id, t.token)).status, 200);

      assert.equal(
        (await call(node.url, 'POST', `/api/queues/${q}/call-next`, { body: { counter: 'D' } })).status,
        200,
      );
      const called = await getTicket(node.url, a.id, a.token);
      assert.equal(called.body.status, 'called');
      assert.equal(called.body.counter, 'D');
      assert.equal((await getTicket(node.url, b.id, b.token)).body.position, 1);
      assert.equal((await getTicket(node.url, c.id, c.token)).body.position, 2);

      assert.equal((await call(node.url, 'POST', `/api/tickets/${a.id}/requeue`, { body: {} })).status, 200);
      const back = await getTicket(node.url, a.id, a.token);
      assert.equal(back.body.status, 'waiting');
      assert.equal(back.body.position, 3);

      assert.equal((await leave(node.url, b.id, b.token)).status, 200);
      const gone = await getTicket(node.url, b.id, b.token);
      assert.equal(gone.body.status, 'left');
      assert.equal(gone.body.position, null);
      assert.equal((await getTicket(node.url, c.id, c.token)).body.position, 1);

      await call(node.url, 'POST', `/api/tickets/${c.id}/call`, { body: {} });
      await call(node.url, 'POST', `/api/tickets/${c.id}/serve`, { body: {} });
      assert.equal((await getTicket(node.url, c.id, c.token)).body.status, 'served');

      assert.equal((await call(node.url, 'DELETE', `/api/queues/${q}`)).status, 204);
      assertError(await getTicket(node.url, a.id, a.token), 404, 'not_found', 'a deleted queue’s ticket');
    });
  });
}

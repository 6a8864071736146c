import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ticketView } from '../../src/domain/views.js';
import { call, COMBOS, MASTER_KEY, suiteNode } from '../support/harness.js';
import { assertError, createQueue, getTicket, join, leave, type Joined } from './helpers.js';

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

    test('an answer given from the node’s caches has the body and headers of the full path', async () => {
      const q = (await createQueue(node.url)).id;
      const t = await join(node.url, q);
      const polls: Awaited<ReturnType<typeof getTicket>>[] = [];
      // The first poll takes the full path; the next ones are answered from the caches.
      for (let i = 0; i < 3; i++) polls.push(await getTicket(node.url, t.id, t.token));
      const headers = (r: (typeof polls)[number]) =>
        Object.fromEntries([...r.headers].filter(([name]) => name !== 'date'));
      const [first, ...rest] = polls;
      assert.ok(first);
      assert.equal(first.headers.get('content-type'), 'application/json; charset=utf-8');
      assert.equal(first.headers.get('x-content-type-options'), 'nosniff');
      for (const r of rest) {
        assert.equal(r.status, 200);
        assert.deepEqual(r.body, first.body);
        assert.deepEqual(headers(r), headers(first));
      }
    });

    /**
     * Every ticket's answer, polled twice so that the second comes from what the node keeps,
     * against the view built from the database: its row, and its place in the database's calling
     * order. The ETA is left out: it is computed from the queue row as read up to a second ago.
     */
    const assertFresh = async (queueId: string, tickets: readonly Joined[], when: string) => {
      const page = await node.rt.store.listTickets(queueId, { status: 'waiting', limit: 100 });
      const order = page.items.map((t) => t.id);
      const queue = await node.rt.store.getQueue(queueId);
      assert.ok(queue);
      for (const t of tickets) {
        const row = await node.rt.store.getTicket(t.id);
        assert.ok(row);
        const at = order.indexOf(t.id);
        const { eta: _e, ...expected } = ticketView(row, queue, at < 0 ? null : at + 1, node.rt.now());
        for (let poll = 0; poll < 2; poll++) {
          const r = await getTicket(node.url, t.id, t.token);
          assert.equal(r.status, 200, `${when}: ${JSON.stringify(r.body)}`);
          const { eta: _eta, ...got } = r.body as Record<string, unknown>;
          assert.deepEqual(got, expected, `${when}, ticket ${String(t.number)}, poll ${String(poll + 1)}`);
        }
      }
    };

    test('a kept answer never outlives a call, leave, requeue, recall or priority join', async () => {
      const q = (await createQueue(node.url)).id;
      const tickets = [await join(node.url, q), await join(node.url, q), await join(node.url, q)];
      tickets.push(await join(node.url, q));
      await assertFresh(q, tickets, 'after the joins');

      assert.equal((await call(node.url, 'POST', `/api/queues/${q}/call-next`, { body: {} })).status, 200);
      await assertFresh(q, tickets, 'after a call');

      assert.equal((await call(node.url, 'POST', `/api/tickets/${tickets[0]?.id}/recall`, { body: {} })).status, 200);
      await assertFresh(q, tickets, 'after a recall');

      tickets.push(await join(node.url, q, { priority: 'high' }, { key: MASTER_KEY }));
      await assertFresh(q, tickets, 'after a priority join');

      assert.equal((await leave(node.url, tickets[2]?.id ?? '', tickets[2]?.token ?? '')).status, 200);
      await assertFresh(q, tickets, 'after a leave');

      assert.equal((await call(node.url, 'POST', `/api/tickets/${tickets[0]?.id}/requeue`, { body: {} })).status, 200);
      await assertFresh(q, tickets, 'after a requeue');
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

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { call, COMBOS, eventually, type Isolation, type Node, startNode } from '../support/harness.js';
import { startReceiver, type Receiver } from '../support/receiver.js';
import { assertError, createQueue, getTicket, join, SseReader } from './helpers.js';

/**
 * POST /api/tickets/:id/recall (docs/api.md): a called ticket is announced again. Its first call
 * time stays (waits are measured to it), the recall is counted, the customer's stream gets a new
 * event (on another node too, with Redis), and webhooks hear `ticket.called` again.
 */
const FAST = { QK_WEBHOOK_PRIVATE: 'on', QK_WEBHOOK_POLL_MS: '50', QK_WEBHOOK_TIMEOUT_SECONDS: '1' };

for (const combo of COMBOS) {
  const shared = combo.name.includes('Redis');
  describe(`recall (${combo.name})`, { skip: combo.skip }, () => {
    let iso: Isolation;
    let rx: Receiver;
    const nodes: Node[] = [];
    before(async () => {
      iso = combo.isolate();
      rx = await startReceiver();
      nodes.push(await startNode(iso.env, FAST));
      if (shared) nodes.push(await startNode(iso.env, FAST));
    });
    after(async () => {
      for (const n of nodes) await n.close();
      await rx?.close();
      await iso?.cleanup();
    });
    const recall = (base: string, id: string, body: unknown = {}, key?: string) =>
      call(base, 'POST', `/api/tickets/${id}/recall`, { body, ...(key ? { key } : {}) });

    test('a called ticket is announced again: counted, first call kept, the stream alerted', async () => {
      const act = nodes[0] as Node;
      const watch = nodes.at(-1) as Node;
      const hook = await call(act.url, 'POST', '/api/webhooks', { body: { url: rx.url, events: ['ticket.called'] } });
      assert.equal(hook.status, 201, JSON.stringify(hook.body));
      const q = (await createQueue(act.url)).id;
      const a = await join(act.url, q);
      const called = await call(act.url, 'POST', `/api/queues/${q}/call-next`, { body: { counter: 'Desk 2' } });
      assert.equal(called.body.id, a.id);
      assert.equal(called.body.recalls, 0);
      assert.equal(called.body.recalledAt, null);

      const sse = new SseReader(`${watch.url}/api/tickets/${a.id}/events?token=${encodeURIComponent(a.token)}`);
      await sse.open();
      try {
        assert.equal((await sse.next()).status, 'called');
        const r = await recall(act.url, a.id);
        assert.equal(r.status, 200, JSON.stringify(r.body));
        assert.equal(r.body.status, 'called');
        assert.equal(r.body.counter, 'Desk 2', 'the desk stays unless another is named');
        assert.equal(r.body.recalls, 1);
        assert.equal(r.body.calledAt, called.body.calledAt, 'the first call time stays');
        assert.ok(Date.parse(r.body.recalledAt) >= Date.parse(called.body.calledAt));
        const again = await sse.next();
        assert.equal(again.status, 'called');
        assert.equal(again.recalls, 1);
        assert.equal(again.counter, 'Desk 2');

        const moved = await recall(act.url, a.id, { counter: 'Desk 5' });
        assert.equal(moved.status, 200);
        assert.equal(moved.body.recalls, 2);
        const third = await sse.until((e) => e.recalls === 2);
        assert.equal(third.counter, 'Desk 5', 'a recall to another desk tells the customer the new desk');
      } finally {
        sse.close();
      }
      const view = await getTicket(act.url, a.id, a.token);
      assert.equal(view.body.recalls, 2);
      assert.equal(view.body.calledAt, called.body.calledAt);

      const mine = () => rx.received.filter((x) => x.json.data.id === a.id);
      await eventually(async () => assert.equal(mine().length, 3));
      assert.deepEqual(
        mine().map((x) => [x.json.type, x.json.data.recalls, x.json.data.counter]),
        [
          ['ticket.called', 0, 'Desk 2'],
          ['ticket.called', 1, 'Desk 2'],
          ['ticket.called', 2, 'Desk 5'],
        ],
      );
    });

    test('only a called ticket can be recalled; a refused recall changes nothing', async () => {
      const base = (nodes[0] as Node).url;
      const q = (await createQueue(base)).id;
      const w = await join(base, q);
      assertError(await recall(base, w.id), 409, 'conflict', 'recall of a waiting ticket');
      const still = await getTicket(base, w.id, w.token);
      assert.equal(still.body.status, 'waiting');
      assert.equal(still.body.position, 1);
      assert.equal(still.body.recalls, 0);

      assert.equal((await call(base, 'POST', `/api/tickets/${w.id}/call`, { body: { counter: 'A' } })).status, 200);
      assert.equal((await call(base, 'POST', `/api/tickets/${w.id}/serve`, { body: {} })).status, 200);
      const served = await recall(base, w.id);
      assertError(served, 409, 'conflict', 'recall of a served ticket');
      assert.equal((await getTicket(base, w.id, w.token)).body.recalls, 0);

      assertError(await recall(base, 'no-such-ticket'), 404, 'not_found', 'unknown ticket');
      assertError(await recall(base, 'bad id!'), 400, 'validation_failed', 'malformed id');
      assertError(await recall(base, w.id, { counter: '' }), 400, 'validation_failed', 'empty desk');
      assertError(
        await call(base, 'POST', `/api/tickets/${w.id}/recall`, { key: null, body: {} }),
        401,
        'unauthorized',
      );
    });

    test('a requeued ticket starts again without its recalls, and its new call leads the board', async () => {
      const base = (nodes[0] as Node).url;
      const q = (await createQueue(base)).id;
      const a = await join(base, q);
      const b = await join(base, q);
      await call(base, 'POST', `/api/queues/${q}/call-next`, { body: { counter: 'A' } });
      assert.equal((await recall(base, a.id)).body.recalls, 1);
      await call(base, 'POST', `/api/queues/${q}/call-next`, { body: { counter: 'B' } });
      const back = await call(base, 'POST', `/api/tickets/${a.id}/requeue`, { body: {} });
      assert.equal(back.status, 200, JSON.stringify(back.body));
      assert.equal(back.body.recalls, 0);
      assert.equal(back.body.recalledAt, null);
      const again = await call(base, 'POST', `/api/queues/${q}/call-next`, { body: { counter: 'C' } });
      assert.equal(again.body.id, a.id);
      assert.equal(again.body.recalls, 0, 'the new call is a first call');
      assert.equal(again.body.recalledAt, null);
      const board = await call(base, 'GET', `/api/queues/${q}/board`, { key: null });
      assert.deepEqual(
        board.body.nowServing.map((s: { number: number }) => s.number),
        [a.number, b.number],
        'the latest call comes first, not behind an older recall',
      );
    });

    test('an operator key may recall', async () => {
      const base = (nodes[0] as Node).url;
      const k = await call(base, 'POST', '/api/keys', { body: { role: 'operator', name: 'desk' } });
      const q = (await createQueue(base)).id;
      const t = await join(base, q);
      await call(base, 'POST', `/api/queues/${q}/call-next`, { body: { counter: 'B' }, key: k.body.key });
      const r = await recall(base, t.id, {}, k.body.key);
      assert.equal(r.status, 200);
      assert.equal(r.body.recalls, 1);
    });
  });
}

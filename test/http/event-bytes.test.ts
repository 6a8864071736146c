import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { call, COMBOS, type Isolation, type Node, startNode } from '../support/harness.js';
import { createQueue, join, leave, SseReader } from './helpers.js';

/**
 * A ticket's event stream sends each view as `JSON.stringify` of the whole customer view, byte for
 * byte, whichever path built the text: the first view, a pass that moved the position, a pass
 * after a note changed the status or desk, and a recall. A pass reuses the JSON around position
 * and estimate (src/domain/shown-view.ts), so this pins that text to the view it stands for.
 */
// Quotes, a backslash, key-like text and non-ASCII: what a cut JSON could trip on (names refuse
// control characters; the unit test of the cut covers those).
const NAME = 'Zoë "position":"p" \\ ,"eta":null ☕';

for (const combo of COMBOS) {
  describe(`the bytes of a ticket's events (${combo.name})`, { skip: combo.skip }, () => {
    let iso: Isolation;
    const nodes: Node[] = [];
    before(async () => {
      iso = combo.isolate();
      nodes.push(await startNode(iso.env));
      if (combo.name.includes('Redis')) nodes.push(await startNode(iso.env));
    });
    after(async () => {
      for (const n of nodes) await n.close();
      await iso?.cleanup();
    });

    test('every event is the whole view as JSON.stringify writes it, after moves, calls, a requeue and a recall', async () => {
      const act = nodes[0] as Node;
      const watch = nodes.at(-1) as Node;
      const q = (await createQueue(act.url)).id;
      const a = await join(act.url, q);
      const b = await join(act.url, q);
      const c = await join(act.url, q, { name: NAME });
      const sse = new SseReader(`${watch.url}/api/tickets/${c.id}/events?token=${encodeURIComponent(c.token)}`);
      await sse.open();
      let id = 0;
      // The stream's view and the database's agree once the change is shown and the queue is still.
      const expectEvent = async (what: string, check: (data: any) => void) => {
        const { data, block } = await sse.nextBlock();
        check(data);
        const view = await act.rt.service.watchedTicket(c.id);
        assert.equal(`${block}\n\n`, `id: ${++id}\nevent: ticket\ndata: ${JSON.stringify(view)}\n\n`, what);
      };
      try {
        await expectEvent('the first view', (v) => assert.equal(v.position, 3));
        assert.equal((await leave(act.url, b.id, b.token)).status, 200);
        await expectEvent('a move', (v) => assert.equal(v.position, 2));
        const first = await call(act.url, 'POST', `/api/queues/${q}/call-next`, { body: { counter: 'Desk "1"' } });
        assert.equal(first.body.id, a.id);
        await expectEvent('next in line', (v) => assert.equal(v.position, 1));
        const second = await call(act.url, 'POST', `/api/queues/${q}/call-next`, { body: { counter: 'Desk 2' } });
        assert.equal(second.body.id, c.id);
        await expectEvent('called to a desk', (v) => assert.deepEqual([v.status, v.counter], ['called', 'Desk 2']));
        // At the same desk: a recall to another one is also a change of desk, told by a pass as well.
        const recalled = await call(act.url, 'POST', `/api/tickets/${c.id}/recall`, { body: {} });
        assert.equal(recalled.status, 200, JSON.stringify(recalled.body));
        await expectEvent('a recall', (v) => assert.deepEqual([v.recalls, v.counter], [1, 'Desk 2']));
        const requeued = await call(act.url, 'POST', `/api/tickets/${c.id}/requeue`, { body: {} });
        assert.equal(requeued.status, 200, JSON.stringify(requeued.body));
        await expectEvent('back in line', (v) => assert.deepEqual([v.status, v.position], ['waiting', 1]));
        await join(act.url, q);
        const third = await call(act.url, 'POST', `/api/queues/${q}/call-next`, { body: { counter: 'Desk 4' } });
        assert.equal(third.body.id, c.id);
        await expectEvent('called again', (v) => assert.deepEqual([v.status, v.counter], ['called', 'Desk 4']));
      } finally {
        sse.close();
      }
    });

    test('after a recall to another desk, every event keeps the recall, up to the last one', async () => {
      const act = nodes[0] as Node;
      const watch = nodes.at(-1) as Node;
      const q = (await createQueue(act.url)).id;
      const c = await join(act.url, q);
      await call(act.url, 'POST', `/api/queues/${q}/call-next`, { body: { counter: 'Desk 2' } });
      const sse = new SseReader(`${watch.url}/api/tickets/${c.id}/events?token=${encodeURIComponent(c.token)}`);
      await sse.open();
      try {
        assert.equal((await sse.nextBlock()).data.counter, 'Desk 2');
        const recalled = await call(act.url, 'POST', `/api/tickets/${c.id}/recall`, { body: { counter: 'Desk 3' } });
        assert.equal(recalled.status, 200, JSON.stringify(recalled.body));
        // The recall's own message and the pass that sees the new desk have both gone out by now.
        await new Promise((r) => setTimeout(r, 700));
        const recalledView = JSON.stringify(await act.rt.service.watchedTicket(c.id));
        const served = await call(act.url, 'POST', `/api/tickets/${c.id}/serve`, { body: {} });
        assert.equal(served.status, 200, JSON.stringify(served.body));
        const events: string[] = [];
        for (;;) {
          const { data } = await sse.nextBlock();
          if (data.reason !== undefined) break;
          events.push(JSON.stringify(data));
        }
        const last = events.pop();
        assert.ok(events.length > 0, 'the recall is told');
        for (const e of events) assert.equal(e, recalledView, 'an event after the recall shows it');
        assert.equal(last, JSON.stringify(await act.rt.service.watchedTicket(c.id)), 'the last view keeps the recall');
        assert.equal(JSON.parse(last as string).recalls, 1);
      } finally {
        sse.close();
      }
    });
  });
}

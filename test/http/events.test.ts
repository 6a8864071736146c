import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { call, COMBOS, type Isolation, type Node, startNode } from '../support/harness.js';
import { assertError, createQueue, join, leave, SseReader } from './helpers.js';

/**
 * Server-Sent Events (docs/api.md): GET /api/tickets/:id/events?token= sends the ticket at once,
 * then every change of status or position. With Redis, changes made on another node arrive too.
 */
for (const combo of COMBOS) {
  const shared = combo.name.includes('Redis');
  describe(combo.name, { skip: combo.skip }, () => {
    let iso: Isolation;
    const nodes: Node[] = [];
    before(async () => {
      iso = combo.isolate();
      nodes.push(await startNode(iso.env));
      if (shared) nodes.push(await startNode(iso.env));
    });
    after(async () => {
      for (const n of nodes) await n.close();
      await iso?.cleanup();
    });

    /** The watcher listens on `watch`; the changes are made on `act` (the same node in SQLite). */
    const scenario = async (watch: Node, act: Node) => {
      const q = (await createQueue(act.url)).id;
      const a = await join(act.url, q);
      await join(act.url, q);
      const c = await join(act.url, q);
      assertError(
        await call(watch.url, 'GET', `/api/tickets/${c.id}/events?token=wrong`, { key: null }),
        404,
        'not_found',
        'events with a wrong token',
      );

      const sse = new SseReader(`${watch.url}/api/tickets/${c.id}/events?token=${encodeURIComponent(c.token)}`);
      await sse.open();
      try {
        assert.equal(sse.status, 200);
        assert.match(sse.contentType, /^text\/event-stream/);
        const first = await sse.next();
        assert.equal(first.id, c.id);
        assert.equal(first.status, 'waiting');
        assert.equal(first.position, 3);
        assert.ok(first.eta && first.eta.lowSeconds <= first.eta.highSeconds);
        assert.equal(first.token, undefined);

        await leave(act.url, a.id, a.token);
        assert.equal((await sse.until((e) => e.position !== 3)).position, 2, 'someone ahead left');
        assert.equal((await call(act.url, 'POST', `/api/queues/${q}/call-next`, { body: {} })).status, 200);
        assert.equal((await sse.until((e) => e.position !== 2)).position, 1, 'the one ahead was called');
        await call(act.url, 'POST', `/api/tickets/${c.id}/call`, { body: { counter: 'C' } });
        const called = await sse.until((e) => e.status !== 'waiting');
        assert.equal(called.status, 'called');
        assert.equal(called.position, null);
        assert.equal(called.counter, 'C');
        assert.equal(called.contact, undefined, 'customers do not get operator fields');
      } finally {
        sse.close();
      }
    };

    describe('Server-Sent Events', () => {
      test('the first event is the ticket; changes of position and status follow', () =>
        scenario(nodes[0] as Node, nodes[0] as Node));

      test(
        'changes made on another node reach the stream',
        { skip: shared ? false : 'one node only: the in-process bus is not shared between nodes' },
        () => scenario(nodes[1] as Node, nodes[0] as Node),
      );
    });
  });
}

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { call, COMBOS, MASTER_KEY, type Node, sleep, suiteNodes } from '../support/harness.js';
import { assertError, createQueue, join, SseReader } from './helpers.js';

/**
 * Queue-wide event streams (docs/live-updates.md): the public board stream carries only the
 * board's public fields; the operators' change stream needs a key. With Redis, the change is made
 * on another node than the one streaming.
 */
const BOARD_KEYS = ['estimatedWait', 'etaCoverage', 'id', 'mode', 'name', 'nowServing', 'status', 'waitingCount'];

for (const combo of COMBOS) {
  const shared = combo.name.includes('Redis');
  describe(combo.name, { skip: combo.skip }, () => {
    const nodes = suiteNodes(combo, shared ? 2 : 1);
    const watch = () => nodes[0] as Node;
    const act = () => nodes.at(-1) as Node;

    test('the board stream sends the public board at once, then after each call, and ends when the queue goes', async () => {
      const q = (await createQueue(act().url)).id;
      await join(act().url, q, { name: 'Private Name', contact: 'a@example.org' });
      await join(act().url, q);
      const sse = new SseReader(`${watch().url}/api/queues/${q}/board/events`);
      await sse.open();
      try {
        assert.equal(sse.status, 200);
        const first = await sse.next();
        assert.deepEqual(Object.keys(first).sort(), BOARD_KEYS, 'public fields only');
        assert.equal(first.waitingCount, 2);
        assert.deepEqual(first.nowServing, []);
        await call(act().url, 'POST', `/api/queues/${q}/call-next`, { body: { counter: 'Desk 4' } });
        const after = await sse.until((b) => b.nowServing?.length === 1);
        assert.equal(after.waitingCount, 1);
        assert.equal(after.nowServing[0].counter, 'Desk 4');
        assert.deepEqual(Object.keys(after.nowServing[0]).sort(), ['announcedAt', 'calledAt', 'counter', 'number']);
        assert.equal((await call(act().url, 'DELETE', `/api/queues/${q}`)).status, 204);
        assert.equal((await sse.until((e) => typeof e.reason === 'string')).reason, 'deleted');
      } finally {
        sse.close();
      }
    });

    test('a board stream for a queue that does not exist is 404', async () => {
      assertError(
        await call(watch().url, 'GET', '/api/queues/q_missing/board/events', { key: null }),
        404,
        'not_found',
      );
    });

    test('the operators’ change stream needs a key and tells of changes made on any node', async () => {
      const q = (await createQueue(act().url)).id;
      assertError(await call(watch().url, 'GET', `/api/queues/${q}/changes`, { key: null }), 401, 'unauthorized');
      const res = await fetch(`${watch().url}/api/queues/${q}/changes`, {
        headers: { authorization: `Bearer ${MASTER_KEY}` },
      });
      assert.equal(res.status, 200);
      const reader = (res.body as ReadableStream<Uint8Array>).getReader();
      const text = async () => new TextDecoder().decode((await reader.read()).value);
      try {
        assert.match(await text(), /event: changed/, 'a first note at once');
        await join(act().url, q);
        assert.match(await text(), /event: changed/, 'a note after the join');
      } finally {
        await reader.cancel();
      }
    });

    test('the change stream stays quiet while nothing changes, through the periodic check', async () => {
      const q = (await createQueue(act().url)).id;
      await join(act().url, q);
      const res = await fetch(`${watch().url}/api/queues/${q}/changes`, {
        headers: { authorization: `Bearer ${MASTER_KEY}` },
      });
      const reader = (res.body as ReadableStream<Uint8Array>).getReader();
      let reading: Promise<ReadableStreamReadResult<Uint8Array>> | null = null;
      /** What the stream sends within `ms`, or until a `changed` event. */
      const within = async (ms: number): Promise<string> => {
        let got = '';
        const end = performance.now() + ms;
        for (;;) {
          const left = end - performance.now();
          if (left <= 0 || got.includes('event: changed')) return got;
          reading ??= reader.read();
          const r = await Promise.race([reading, sleep(left).then(() => null)]);
          if (r === null) return got;
          reading = null;
          got += new TextDecoder().decode(r.value);
        }
      };
      try {
        assert.match(await within(2000), /event: changed/, 'the first note');
        // The catch-up pass after subscribing has run by now; the periodic check runs on every node.
        for (const n of nodes) n.rt.events.checkAll();
        assert.doesNotMatch(await within(1500), /event: changed/, 'no note when nothing changed');
        await call(act().url, 'POST', `/api/queues/${q}/call-next`);
        assert.match(await within(5000), /event: changed/, 'a note after the call');
        for (const n of nodes) n.rt.events.checkAll();
        assert.doesNotMatch(await within(1500), /event: changed/, 'quiet again');
      } finally {
        await reader.cancel();
      }
    });
  });
}

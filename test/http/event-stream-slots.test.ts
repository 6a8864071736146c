import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { COMBOS, eventually, type Isolation, type Node, startNode } from '../support/harness.js';
import { createQueue, join } from './helpers.js';

/**
 * A ticket may have 3 event streams open on a node. The slot is taken in the same step as the
 * check, so requests arriving together cannot all pass it, and it is given back however the
 * request ends, even by a client that hangs up before its stream has started.
 */
const CAP = 3;

for (const combo of COMBOS) {
  describe(combo.name, { skip: combo.skip }, () => {
    let iso: Isolation;
    let node: Node;
    before(async () => {
      iso = combo.isolate();
      node = await startNode(iso.env);
    });
    after(async () => {
      await node?.close();
      await iso?.cleanup();
    });

    test(`${CAP * 3} streams requested at once: ${CAP} open, the others are refused 429`, async () => {
      const q = (await createQueue(node.url)).id;
      const t = await join(node.url, q);
      const aborts = Array.from({ length: CAP * 3 }, () => new AbortController());
      const url = `${node.url}/api/tickets/${t.id}/events?token=${encodeURIComponent(t.token)}`;
      try {
        const answers = await Promise.all(aborts.map((ac) => fetch(url, { signal: ac.signal })));
        const statuses = answers.map((r) => r.status).sort();
        assert.deepEqual(statuses, [...Array(CAP).fill(200), ...Array(CAP * 2).fill(429)]);
        for (const r of answers) if (r.status !== 200) await r.body?.cancel();
        assert.equal(node.rt.events.streamsOf(t.id), CAP);
      } finally {
        for (const ac of aborts) ac.abort();
      }
      await eventually(async () =>
        assert.equal(node.rt.events.streamsOf(t.id), 0, 'closed streams give their slots back'),
      );
    });

    test('clients that hang up before their stream starts leave no slot taken', async () => {
      const q = (await createQueue(node.url)).id;
      const t = await join(node.url, q);
      const { port } = new URL(node.url);
      const request = `GET /api/tickets/${t.id}/events?token=${encodeURIComponent(t.token)} HTTP/1.1\r\nHost: x\r\n\r\n`;
      await Promise.all(
        Array.from(
          { length: 30 },
          () =>
            new Promise<void>((resolve) => {
              const s = net.connect(Number(port), '127.0.0.1', () => {
                s.write(request);
                setImmediate(() => s.destroy());
              });
              s.on('error', () => undefined);
              s.on('close', () => resolve());
            }),
        ),
      );
      await eventually(async () => assert.equal(node.rt.events.streamsOf(t.id), 0));
      assert.equal(node.rt.events.subscribers, 0, 'no watch is left behind');
    });
  });
}

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { call, COMBOS, type Node, suiteNodes } from '../support/harness.js';
import { createQueue, join, listAll } from './helpers.js';

/**
 * Desks pressing "call next" at the same moment, on every node: each waiting ticket is called
 * exactly once, the calls that find nobody get 204, and none fails because of the others.
 */
for (const combo of COMBOS) {
  const shared = combo.name.includes('Redis');
  describe(combo.name, { skip: combo.skip }, () => {
    const nodes = suiteNodes(combo, shared ? 2 : 1);
    const node = (i: number) => nodes[i % nodes.length] as Node;

    test('50 concurrent call-next against 40 waiting: 40 distinct tickets, 10 × 204, no 503', async () => {
      const q = (await createQueue(node(0).url)).id;
      const joined = [];
      for (let i = 0; i < 40; i++) joined.push(await join(node(i).url, q));
      const answers = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          call(node(i).url, 'POST', `/api/queues/${q}/call-next`, { body: { counter: `desk ${i}` } }),
        ),
      );
      assert.deepEqual(
        answers.map((a) => a.status).sort(),
        [...Array<number>(40).fill(200), ...Array<number>(10).fill(204)],
        JSON.stringify(answers.filter((a) => a.status !== 200 && a.status !== 204).map((a) => a.body)),
      );
      const called = answers.filter((a) => a.status === 200).map((a) => a.body);
      assert.deepEqual(called.map((t) => t.id).sort(), joined.map((t) => t.id).sort(), 'each ticket exactly once');
      assert.ok(called.every((t) => t.status === 'called'));
      const stored = await listAll(node(1).url, q, 'called');
      assert.deepEqual(
        new Map(stored.map((t) => [t.id, t.counter])),
        new Map(called.map((t) => [t.id, t.counter])),
        'the desk each answer names is the one stored',
      );
      assert.equal((await call(node(0).url, 'GET', `/api/queues/${q}`)).body.waitingCount, 0);
    });

    test('call-next and calls out of order at once: every ticket called once, the loser of a race gets 409', async () => {
      const q = (await createQueue(node(0).url)).id;
      const joined = [];
      for (let i = 0; i < 20; i++) joined.push(await join(node(i).url, q));
      const nexts = Array.from({ length: 20 }, (_, i) => call(node(i).url, 'POST', `/api/queues/${q}/call-next`));
      const direct = joined.map((t, i) => call(node(i + 1).url, 'POST', `/api/tickets/${t.id}/call`));
      const [byNext, byId] = await Promise.all([Promise.all(nexts), Promise.all(direct)]);
      for (const a of byNext) assert.ok([200, 204].includes(a.status), JSON.stringify(a.body));
      for (const a of byId) assert.ok([200, 409].includes(a.status), JSON.stringify(a.body));
      const won = [...byNext, ...byId].filter((a) => a.status === 200).map((a) => a.body.id as string);
      assert.deepEqual([...won].sort(), joined.map((t) => t.id).sort(), 'each ticket called by exactly one request');
      assert.equal((await listAll(node(0).url, q, 'called')).length, 20);
    });
  });
}

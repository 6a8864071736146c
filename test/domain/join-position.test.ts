import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { QueueService } from '../../src/domain/queue-service.js';
import type { LiveBackend, LiveIndex } from '../../src/live/contract.js';
import { createMemoryBackend } from '../../src/live/memory/backend.js';
import { createRedisBackend } from '../../src/live/redis/backend.js';
import type { Store } from '../../src/store/contract.js';
import { skipPg, skipRedis, TEST_REDIS_URL, uniqueName } from '../support/env.js';
import { deletePrefix, eventually } from '../live/helpers.js';
import { storeFixtures } from '../store/support.js';

/**
 * A join's position is exact at commit, whatever the live index holds: node A's batch commits
 * first, but its index write is held back until node B's later batch is committed and indexed (as
 * when A's link to Redis is slower). B's answer must still count A's ticket, and A's its own place.
 */

const fx = storeFixtures('join_pos');
const prefixes: string[] = [];
after(async () => {
  for (const p of prefixes) await deletePrefix(TEST_REDIS_URL, p);
});
const observer = { joined: () => undefined, changed: () => undefined, invalidToken: () => undefined };

/** The index as node A sees it: every add waits until `release()`. */
function heldBack(index: LiveIndex): { index: LiveIndex; release(): void } {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const wrapped = new Proxy(index, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver) as unknown;
      if (typeof v !== 'function') return v;
      const fn = (v as (...a: unknown[]) => unknown).bind(target);
      return String(prop).startsWith('add') ? async (...a: unknown[]) => (await gate, fn(...a)) : fn;
    },
  });
  return { index: wrapped, release };
}

const COMBOS: {
  name: string;
  skip: string | false;
  open(): Promise<{ stores: [Store, Store]; lives: [LiveBackend, LiveBackend] }>;
}[] = [
  {
    name: 'SQLite + in-process',
    skip: false,
    async open() {
      const store = fx.sqlite(`${uniqueName('a')}.db`);
      const live = createMemoryBackend();
      return { stores: [store, store], lives: [live, live] };
    },
  },
  {
    name: 'PostgreSQL + Redis (two nodes)',
    skip: skipPg || skipRedis,
    async open() {
      const schema = uniqueName('s');
      const keyPrefix = `qk_test:${uniqueName('join_pos')}:`;
      prefixes.push(keyPrefix);
      return {
        stores: [fx.postgres(schema), fx.postgres(schema)],
        lives: [
          await createRedisBackend({ url: TEST_REDIS_URL, keyPrefix }),
          await createRedisBackend({ url: TEST_REDIS_URL, keyPrefix }),
        ],
      };
    },
  },
];

for (const c of COMBOS) {
  describe(`join positions on ${c.name}`, { skip: c.skip }, () => {
    for (const priority of ['normal', 'high'] as const)
      it(`a ${priority} join committed second answers 2 though the first one's index write lands last`, async () => {
        const { stores, lives } = await c.open();
        await stores[0].migrate();
        await stores[1].migrate();
        const slow = heldBack(lives[0].index);
        const liveA: LiveBackend = { ...lives[0], index: slow.index };
        const key = randomBytes(32);
        const a = new QueueService(stores[0], liveA, key, observer);
        const b = new QueueService(stores[1], lives[1], key, observer);
        const q = await a.createQueue({ name: 'q', mode: 'service' });
        const first = a.join(q.id, { priority }, null);
        await eventually(async () => assert.equal((await stores[1].getQueue(q.id))?.waitingCount, 1), 5000, 5);
        const second = await b.join(q.id, { priority }, null);
        slow.release();
        const firstDone = await first;
        assert.deepEqual(
          [firstDone.result.position, second.result.position],
          [1, 2],
          'positions at commit: first 1, second 2',
        );
        assert.equal((await b.customerTicket(second.result.id, second.result.token)).position, 2);
        for (const l of new Set(lives)) await l.close();
        for (const s of new Set(stores)) await s.close();
      });
  });
}

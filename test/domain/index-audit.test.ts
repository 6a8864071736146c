import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { IndexWatcher } from '../../src/domain/index-watcher.js';
import type { ReconcileResult } from '../../src/domain/live-sync.js';
import { newId } from '../../src/domain/tokens.js';
import type { LiveBackend } from '../../src/live/contract.js';
import { createMemoryBackend } from '../../src/live/memory/backend.js';
import { createRedisBackend } from '../../src/live/redis/backend.js';
import type { JoinRequest, Store } from '../../src/store/contract.js';
import { joinRequest } from '../support/join-request.js';
import { skipPg, skipRedis, TEST_REDIS_URL, uniqueName } from '../support/env.js';
import { deletePrefix, eventually } from '../live/helpers.js';
import { storeFixtures } from '../store/support.js';

/**
 * The index heals by itself: a node that died between a committed join batch and its index write,
 * an index entry left behind by a lost removal, or a deleted queue's leftovers are noticed by the
 * per-queue count audit on every node and repaired, with no request touching those tickets.
 */

const fx = storeFixtures('audit');
const prefixes: string[] = [];
after(async () => {
  for (const p of prefixes) await deletePrefix(TEST_REDIS_URL, p);
});

const BACKENDS: {
  name: string;
  skip: string | false;
  open(): Promise<{ store: Store; live: LiveBackend }>;
}[] = [
  {
    name: 'SQLite + in-process',
    skip: false,
    open: async () => ({ store: fx.sqlite(`${uniqueName('a')}.db`), live: createMemoryBackend() }),
  },
  {
    name: 'PostgreSQL + Redis',
    skip: skipPg || skipRedis,
    async open() {
      const keyPrefix = `qk_test:${uniqueName('audit')}:`;
      prefixes.push(keyPrefix);
      return {
        store: fx.postgres(uniqueName('s')),
        live: await createRedisBackend({ url: TEST_REDIS_URL, keyPrefix }),
      };
    },
  },
];

const request = (priority: 'normal' | 'high' = 'normal'): JoinRequest => joinRequest({ priority });

const DEFAULTS = { averageServiceSeconds: 300, ticketTtlSeconds: 0, notifyAtPosition: 3 };

for (const b of BACKENDS) {
  describe(`index audit on ${b.name}`, { skip: b.skip }, () => {
    async function setup() {
      const { store, live } = await b.open();
      await store.migrate();
      const now = new Date();
      const queue = async () =>
        (
          await store.createQueue(
            { id: newId('q'), name: 'q', mode: 'service', capacity: null, settings: DEFAULTS },
            now,
          )
        ).id;
      const [a, c, gone] = [await queue(), await queue(), await queue()];
      // A normal life: committed joins whose index writes happened.
      for (const q of [a, c, gone]) {
        const joined = await store.joinMany(q, [request(), request('high'), request()], now);
        await live.index.add(
          q,
          joined.map((o) => {
            assert.equal(o.kind, 'joined');
            return { ticketId: o.ticket.id, priority: o.ticket.priority, seq: o.ticket.seq };
          }),
        );
      }
      // Divergence 1: a batch committed by a node that died before its index write.
      const lost = await store.joinMany(a, [request(), request(), request()], now);
      // Divergence 2: a call committed whose index removal never happened.
      const called = await store.callNext(c, 'called', null, now);
      // Divergence 3: a queue deleted whose index entries stayed.
      await store.deleteQueue(gone);
      const repaired: (ReconcileResult & { queueIds: string[] })[] = [];
      const errors: unknown[] = [];
      const events = {
        onError: (e: unknown) => errors.push(e),
        onRebuilt: () => assert.fail('no rebuild expected: the index was not lost'),
        onRepaired: (r: ReconcileResult & { queueIds: string[] }) => repaired.push(r),
      };
      const ok = async () => {
        assert.deepEqual(
          await live.index.counts(),
          new Map([
            [a, 6],
            [c, 2],
          ]),
        );
        const order = await store.waitingEntries();
        assert.deepEqual(
          await live.index.snapshot(),
          new Map([...order].map(([q, w]) => [q, w.map((e) => e.ticketId)])),
        );
        assert.deepEqual(errors, []);
      };
      return { store, live, a, c, gone, lost, called, repaired, events, ok };
    }

    it('repairs every diverging queue once two audits in a row found it, and only those', async () => {
      const s = await setup();
      const watcher = new IndexWatcher(s.store, s.live.index, s.events);
      const before = await s.live.index.counts();
      assert.deepEqual(
        [before.get(s.a), before.get(s.c), before.get(s.gone)],
        [3, 3, 3],
        'the index is behind the database on three queues',
      );
      // One audit only suspects: an index write in flight looks the same for a moment.
      await watcher.audit();
      assert.equal(s.repaired.length, 0);
      assert.deepEqual(await s.live.index.counts(), before);
      await watcher.audit();
      assert.equal(s.repaired.length, 1);
      assert.deepEqual(s.repaired[0]?.queueIds, [s.a, s.c, s.gone].sort());
      assert.equal(s.repaired[0]?.added, 3);
      assert.equal(s.repaired[0]?.removed, 1 + 3);
      await s.ok();
      // Equal again: a further audit finds nothing to do.
      await watcher.audit();
      await watcher.audit();
      assert.equal(s.repaired.length, 1);
      console.log(
        `[audit] ${b.name}: index counts before ${JSON.stringify([...before.values()])}, database 6/2/0; repaired ${JSON.stringify(s.repaired[0])}`,
      );
      await s.live.close();
      await s.store.close();
    });

    it('runs by itself on its interval: the divergence heals with no request', async () => {
      const s = await setup();
      const watcher = new IndexWatcher(s.store, s.live.index, s.events, { intervalMs: 1000, auditMs: 25 });
      watcher.start();
      try {
        await eventually(() => s.ok(), 10_000, 25);
      } finally {
        watcher.stop();
      }
      assert.ok(s.repaired.length >= 1);
      await s.live.close();
      await s.store.close();
    });

    it('leaves a queue alone when the second audit finds it equal again', async () => {
      const s = await setup();
      const watcher = new IndexWatcher(s.store, s.live.index, s.events);
      await watcher.audit();
      // The missing index write lands late, as an in-flight one does.
      await s.live.index.add(
        s.a,
        s.lost.map((o) => {
          assert.equal(o.kind, 'joined');
          return { ticketId: o.ticket.id, priority: o.ticket.priority, seq: o.ticket.seq };
        }),
      );
      await watcher.audit();
      assert.deepEqual(s.repaired[0]?.queueIds, [s.c, s.gone].sort());
      assert.equal(s.repaired[0]?.added, 0);
      await s.ok();
      await s.live.close();
      await s.store.close();
    });
  });
}

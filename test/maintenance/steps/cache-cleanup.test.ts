import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { compareOrders } from '../../../src/domain/live-sync.js';
import { cacheCleanup } from '../../../src/maintenance/steps/cache-cleanup/index.js';
import { TEST_REDIS_URL, uniqueName } from '../../support/env.js';
import { COMBOS } from '../../support/harness.js';
import { stepContextOf } from '../../support/maintenance.js';
import { queueWith, stepNodeFixture } from '../../support/step-node.js';
import { unreachableRedis, unreachableStore } from '../../support/unreachable.js';

const HOUR = 3_600_000;

for (const combo of COMBOS) {
  describe(`cacheCleanup on ${combo.name}`, { skip: combo.skip }, () => {
    const fx = stepNodeFixture(combo);

    it('removes nothing on a clean system and says so with zeros', async () => {
      const { queueId } = await queueWith(fx.node.rt, 3);
      await fx.node.rt.service.callNext(queueId, 'desk 1');
      const out = await cacheCleanup(stepContextOf(fx.node));
      assert.equal(out.status, 'succeeded', JSON.stringify(out.findings));
      assert.deepEqual(
        { ...out.figures },
        {
          backend: fx.node.rt.live.kind,
          expiredKeysRemoved: 0,
          oldSessionsRemoved: 0,
          temporaryDataRemoved: 0,
          missingSessionsAdded: 0,
          waitingTickets: 2,
          inProcessCacheEntriesDropped: null,
          ticketsExpired: 0,
          ticketsExpiredWindow: out.figures.ticketsExpiredWindow,
        },
      );
    });

    it('removes exactly the stale entries, expired keys and idempotency keys planted', async () => {
      const { rt } = fx.node;
      const { queueId, tickets } = await queueWith(rt, 4);
      const served = await rt.service.callNext(queueId, null);
      assert.ok(served);
      await rt.service.act(served.id, 'serve');
      // Stale: a served ticket, two tickets that never existed, and a queue that does not exist.
      await rt.live.index.add(queueId, [
        { ticketId: served.id, priority: 'normal', seq: 1 },
        { ticketId: 't_ghost_1', priority: 'normal', seq: 999_001 },
        { ticketId: 't_ghost_2', priority: 'high', seq: 999_002 },
      ]);
      await rt.live.index.add('q_ghost', [{ ticketId: 't_ghost_3', priority: 'normal', seq: 1 }]);
      // Missing: a waiting ticket the index lost.
      await rt.live.index.remove(queueId, [tickets[3] as string]);
      // Temporary data: an idempotency key, expired once the clock passes its 24 h.
      await rt.service.join(queueId, { name: 'retry-safe' }, uniqueName('idem'));
      // Expired keys: in memory, one rate-limit window past its end; in Redis, whose windows
      // expire by TTL, one counter left without a TTL (the window hit here has one and stays).
      await rt.live.limiter.hit('203.0.113.9', 5, 1000);
      if (rt.live.kind === 'redis') {
        const r = new Redis(TEST_REDIS_URL);
        await r.set(`${fx.node.config.redis?.keyPrefix}rl:orphan`, '7');
        await r.quit();
      }

      const later = new Date(Date.now() + 25 * HOUR);
      const out = await cacheCleanup(stepContextOf(fx.node, { now: () => later }));
      assert.equal(out.figures.oldSessionsRemoved, 4);
      assert.equal(out.figures.missingSessionsAdded, 1);
      assert.equal(out.figures.temporaryDataRemoved, 1);
      assert.equal(out.figures.expiredKeysRemoved, 1);
      assert.equal(out.status, 'warning', JSON.stringify(out.findings));
      assert.ok(
        out.findings.some((f) => f.severity === 'warning' && f.message.includes('1 waiting tickets were missing')),
      );

      const drift = await compareOrders(await rt.store.waitingEntries(), await rt.live.index.snapshot());
      assert.equal(drift.mismatches, 0, drift.details.join('\n'));
      const again = await cacheCleanup(stepContextOf(fx.node, { now: () => later }));
      assert.equal(again.figures.oldSessionsRemoved, 0);
      assert.equal(again.figures.expiredKeysRemoved, 0);
      assert.equal(again.figures.temporaryDataRemoved, 0);
    });

    it('fails with null figures when the database cannot be read', async () => {
      const gone = await unreachableStore(fx.node.config.database.kind);
      try {
        const out = await cacheCleanup(stepContextOf(fx.node, { store: gone.store }));
        assert.equal(out.status, 'failed');
        assert.equal(out.figures.oldSessionsRemoved, null);
        assert.equal(out.figures.temporaryDataRemoved, null);
        assert.equal(out.figures.ticketsExpired, null);
        assert.equal(typeof out.figures.expiredKeysRemoved, 'number');
        assert.match(out.error ?? '', /live index cleanup, .*idempotency key cleanup, count of expired tickets/);
      } finally {
        await gone.cleanup();
      }
    });

    it('fails when Redis goes away', { skip: combo.name.includes('Redis') ? false : 'Redis only' }, async () => {
      const gone = await unreachableRedis('cc');
      try {
        const out = await cacheCleanup(stepContextOf(fx.node, { live: gone.live }));
        assert.equal(out.status, 'failed');
        assert.equal(out.figures.oldSessionsRemoved, null);
        assert.equal(out.figures.expiredKeysRemoved, null);
        assert.equal(out.figures.temporaryDataRemoved, 0);
      } finally {
        await gone.cleanup();
      }
    });
  });
}

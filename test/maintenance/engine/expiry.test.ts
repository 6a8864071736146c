import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { loadConfig } from '../../../src/config/index.js';
import type { TicketView } from '../../../src/domain/views.js';
import { compareOrders } from '../../../src/domain/live-sync.js';
import type { StreamEnd } from '../../../src/domain/ticket-events.js';
import { cacheCleanup } from '../../../src/maintenance/steps/cache-cleanup/index.js';
import { createRuntime, type Runtime } from '../../../src/runtime/runtime.js';
import { COMBOS, type Isolation } from '../../support/harness.js';
import { stepContextOf } from '../../support/maintenance.js';
import { rawSql } from '../../support/step-node.js';
import { eventually } from '../../support/maintenance.js';

const MINUTE = 60_000;

/** Moves tickets' join time back, as if they had joined `ms` ago. */
async function backdate(rt: Runtime, ids: readonly string[], ms: number): Promise<void> {
  await rawSql(
    rt.config,
    ids.map((id) => ({ sql: 'UPDATE tickets SET created_at = created_at - ? WHERE id = ?', params: [ms, id] })),
  );
}

for (const combo of COMBOS) {
  describe(`ticket expiry on ${combo.name}`, { skip: combo.skip }, () => {
    let iso: Isolation;
    const nodes: Runtime[] = [];

    before(async () => {
      iso = combo.isolate();
      // Two nodes on one database, as two processes would be: each its own pool and live backend.
      for (let i = 0; i < 2; i++) {
        const config = loadConfig({ QK_SCHEDULER: 'off', LOG_LEVEL: 'silent', QK_JOIN_RATE_LIMIT: '0', ...iso.env });
        nodes.push(await createRuntime(config, { logger: pino({ level: 'silent' }) }));
      }
    });
    after(async () => {
      for (const rt of nodes) await rt.close();
      await iso?.cleanup();
    });

    it('expires each ticket past its TTL exactly once when two nodes sweep at once', async () => {
      const [a, b] = nodes as [Runtime, Runtime];
      const ttl = await a.service.createQueue({ name: 'ttl', mode: 'service', settings: { ticketTtlSeconds: 60 } });
      const forever = await a.service.createQueue({ name: 'no ttl', mode: 'service' });
      const join = async (queueId: string, n: number) => {
        const out: string[] = [];
        for (let i = 0; i < n; i++) out.push((await a.service.join(queueId, { name: `c${i}` }, null)).result.id);
        return out;
      };
      const stale = await join(ttl.id, 6);
      const fresh = await join(ttl.id, 2);
      const untouched = await join(forever.id, 2);
      await backdate(a, [...stale, ...untouched], 2 * MINUTE);

      // A customer watching one of the stale tickets: on node B when the nodes share a live backend
      // (the change crosses nodes); embedded, each node's index knows only its own joins.
      const watcher = a.live.kind === 'redis' ? b : a;
      const seen: TicketView[] = [];
      const ended: StreamEnd[] = [];
      const first = await watcher.service.watchedTicket(stale[0] as string);
      const stopWatching = watcher.events.watch(
        ttl.id,
        first,
        (v) => seen.push(v.view),
        (reason) => ended.push(reason),
      );

      const [byA, byB] = await Promise.all([a.service.expireWaiting(), b.service.expireWaiting()]);
      const ids = [...byA, ...byB].map((t) => t.id);
      assert.deepEqual([...ids].sort(), [...stale].sort(), 'every stale ticket, each once');
      assert.equal(new Set(ids).size, ids.length);
      for (const id of stale) assert.equal((await a.store.getTicket(id))?.status, 'expired');
      for (const id of [...fresh, ...untouched]) assert.equal((await a.store.getTicket(id))?.status, 'waiting');
      assert.equal((await a.service.queue(ttl.id)).waitingCount, 2);

      // Each node removed what it expired from its index; a shared index matches the database.
      for (const [rt, mine] of [
        [a, byA],
        [b, byB],
      ] as const)
        for (const t of mine) assert.equal(await rt.live.index.rank(t.queueId, t.id), null);
      if (a.live.kind === 'redis') {
        const drift = compareOrders(await a.store.waitingEntries(), await a.live.index.snapshot());
        assert.equal(drift.mismatches, 0, drift.details.join('\n'));
      }
      assert.equal(await a.service.position((await a.store.getTicket(fresh[0] as string))!), 1);

      await eventually(() => seen.some((v) => v.status === 'expired'), 10_000, 'the expired status on the stream');
      await eventually(() => ended.includes('expired'), 10_000, 'the stream ending with its expired ticket');
      stopWatching();

      assert.deepEqual(await a.service.expireWaiting(), [], 'a second sweep finds nothing');
    });

    it('leaves waiting-room visitors to the idle rule, whatever their age', async () => {
      const [a] = nodes as [Runtime];
      const room = await a.service.createQueue({
        name: 'room with a ttl',
        mode: 'waiting_room',
        settings: { ticketTtlSeconds: 30, admission: { opensAt: '2099-01-01T00:00:00Z' } },
      });
      const visitor = (await a.service.join(room.id, {}, null)).result.id;
      await backdate(a, [visitor], 10 * MINUTE);
      assert.deepEqual(await a.service.expireWaiting(), []);
      assert.equal((await a.store.getTicket(visitor))?.status, 'waiting');
      await a.service.deleteQueue(room.id);
    });

    it('reports the expired tickets in cacheCleanup, one window after the other', async () => {
      const [a] = nodes as [Runtime];
      const q = await a.service.createQueue({ name: 'ttl 2', mode: 'service', settings: { ticketTtlSeconds: 30 } });
      const t1 = (await a.service.join(q.id, {}, null)).result.id;
      await backdate(a, [t1], MINUTE);
      assert.equal((await a.service.expireWaiting()).length, 1);

      const first = await cacheCleanup(stepContextOf(a, { runId: 'run_first' }));
      // The first test's six tickets and this one, all within the first window's 24 h.
      assert.equal(first.figures.ticketsExpired, 7, JSON.stringify(first.figures));
      const window = first.figures.ticketsExpiredWindow as { from: string; to: string };
      assert.ok(first.findings.some((f) => f.severity === 'info' && f.message.startsWith('7 waiting tickets expired')));
      await a.store.maintenance.insertRun(
        {
          id: 'run_first',
          plan: 'daily',
          trigger: 'manual',
          scheduledFor: null,
          startedAt: window.to,
          endedAt: window.to,
          durationMs: 1,
          status: 'succeeded',
          success: true,
          measuredNothing: false,
          steps: [{ name: 'cacheCleanup', durationMs: 1, ...first, error: null }],
        },
        'node',
        new Date(),
      );

      const t2 = (await a.service.join(q.id, {}, null)).result.id;
      await backdate(a, [t2], MINUTE);
      assert.equal((await a.service.expireWaiting()).length, 1);
      const second = await cacheCleanup(stepContextOf(a, { runId: 'run_second' }));
      assert.equal(second.figures.ticketsExpired, 1, 'only what expired since the previous count');
      assert.equal((second.figures.ticketsExpiredWindow as { from: string }).from, window.to);
    });

    it('folds expired tickets into the daily aggregates', async () => {
      const [a] = nodes as [Runtime];
      await a.store.admin.foldAndDeleteEndedTickets(new Date(Date.now() + MINUTE));
      const days = await a.store.maintenance.dailyAggregates('2000-01-01');
      assert.equal(
        days.reduce((n, d) => n + d.expired, 0),
        8,
      );
    });
  });
}

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { DEFAULT_COVERAGE_TARGET, MIN_PUBLIC_SAMPLES } from '../../src/domain/eta.js';
import { QueueService } from '../../src/domain/queue-service.js';
import type { Eta } from '../../src/domain/types.js';
import { publicQueueView } from '../../src/domain/views.js';
import { queueStats } from '../../src/domain/stats.js';
import { createMemoryBackend } from '../../src/live/memory/backend.js';
import type { Store } from '../../src/store/contract.js';
import { skipPg, uniqueName } from '../support/env.js';
import { storeFixtures } from '../store/support.js';
import { seeded, exponential } from '../support/seeded.js';

/**
 * Estimates through the service on both stores, with an injected clock: the range quoted at join
 * is kept, never a point while someone is ahead, and its measured coverage holds the target.
 */

const fx = storeFixtures('estimates');
const observer = { joined: () => undefined, changed: () => undefined, invalidToken: () => undefined };
const T0 = Date.parse('2026-03-02T09:00:00Z');

async function fixture(store: Store) {
  await store.migrate();
  const clock = { now: T0 };
  const service = new QueueService(store, createMemoryBackend(), randomBytes(32), observer, () => new Date(clock.now));
  return { service, clock };
}

const open = (eta: Eta | null) => eta !== null && eta.lowSeconds < eta.highSeconds;

const BACKENDS = [
  { name: 'SQLite', skip: false as const, open: () => fx.sqlite(`${uniqueName('e')}.db`) },
  { name: 'PostgreSQL', skip: skipPg, open: () => fx.postgres(uniqueName('e')) },
];

for (const b of BACKENDS)
  describe(`estimates on ${b.name}`, { skip: b.skip }, () => {
    it('three quick equal serves still leave an open range for everyone with someone ahead', async () => {
      const store = b.open();
      const { service, clock } = await fixture(store);
      const q = await service.createQueue({ name: 'quick', mode: 'service', settings: { averageServiceSeconds: 5 } });
      const tickets = [];
      for (let i = 0; i < 6; i++) tickets.push((await service.join(q.id, {}, null)).result);
      await service.callNext(q.id, 'A');
      for (let i = 0; i < 3; i++) {
        clock.now += 5_000;
        await service.act(tickets[i]!.id, 'serve');
        await service.callNext(q.id, 'A');
      }
      const queue = await service.queue(q.id);
      assert.equal(queue.serviceSecondsEwma, 5);
      assert.equal(queue.serviceSecondsVariance, 0);
      assert.ok(
        open(publicQueueView(queue, new Date(clock.now)).estimatedWait),
        JSON.stringify(publicQueueView(queue, new Date(clock.now))),
      );
      const late = (await service.join(q.id, {}, null)).result;
      assert.ok(late.position! > 1 && open(late.eta), JSON.stringify(late));
      for (const t of tickets.slice(5)) {
        const v = await service.customerTicket(t.id, t.token);
        assert.ok(v.position! > 1 && open(v.eta), JSON.stringify(v));
      }
      await store.close();
    });

    it('keeps the range quoted at join, whatever the queue learns afterwards', async () => {
      const store = b.open();
      const { service, clock } = await fixture(store);
      const q = await service.createQueue({ name: 'kept', mode: 'service', settings: { averageServiceSeconds: 40 } });
      const first = await Promise.all(
        ['normal', 'high', 'normal', 'high', 'normal'].map((priority) =>
          service.join(q.id, { priority: priority as 'normal' | 'high' }, null),
        ),
      );
      for (const gap of [30, 70, 20]) {
        const called = await service.callNext(q.id, 'A');
        clock.now += gap * 1000;
        await service.act(called!.id, 'serve');
      }
      // Joins after the queue measured spread and moved its calibration: the SQL and the code agree.
      const later = await Promise.all(
        ['high', 'normal', 'normal'].map((priority) =>
          service.join(q.id, { priority: priority as 'normal' | 'high' }, 'k-' + priority + Math.random()),
        ),
      );
      const plain = await Promise.all([service.join(q.id, {}, null), service.join(q.id, { priority: 'high' }, null)]);
      for (const { result } of [...first, ...later, ...plain]) {
        const v = await service.customerTicket(result.id, result.token);
        assert.deepEqual(v.etaAtJoin, result.eta, `ticket ${result.number} at position ${result.position}`);
        assert.deepEqual((await store.getTicket(result.id))?.etaAtJoin, result.eta);
      }
      const before = plain[0]!.result;
      clock.now += 600_000;
      await service.callNext(q.id, 'A');
      const after = await service.customerTicket(before.id, before.token);
      assert.deepEqual(after.etaAtJoin, before.eta);
      assert.notDeepEqual(after.eta, before.eta);
      await store.close();
    });

    it('a simulated day: coverage reported equals coverage measured, and lands near the target', async () => {
      const store = b.open();
      const { service, clock } = await fixture(store);
      const q = await service.createQueue({ name: 'day', mode: 'service', settings: { averageServiceSeconds: 60 } });
      const rng = seeded(42);
      const quotes = new Map<string, { joined: number; eta: Eta }>();
      const outcomes: boolean[] = [];
      let nextArrival = T0 + exponential(rng, 72_000);
      const state: { desk: { id: string; until: number } | null } = { desk: null };
      const callNext = async () => {
        const t = await service.callNext(q.id, 'A');
        if (!t) return;
        const quote = quotes.get(t.id)!;
        const wait = (clock.now - quote.joined) / 1000;
        outcomes.push(wait >= quote.eta.lowSeconds && wait <= quote.eta.highSeconds);
        state.desk = { id: t.id, until: clock.now + exponential(rng, 60_000) };
      };
      for (let arrivals = 0; arrivals < 240 || state.desk !== null;) {
        const d = state.desk;
        if (d !== null && (d.until <= nextArrival || arrivals >= 240)) {
          clock.now = Math.ceil(d.until);
          await service.act(d.id, 'serve');
          state.desk = null;
          await callNext();
        } else {
          clock.now = Math.ceil(nextArrival);
          nextArrival += exponential(rng, 72_000);
          arrivals += 1;
          const { result } = await service.join(q.id, {}, null);
          if (result.position! > 1) assert.ok(open(result.eta), JSON.stringify(result));
          quotes.set(result.id, { joined: clock.now, eta: result.eta! });
          if (state.desk === null) await callNext();
        }
      }
      assert.equal(outcomes.length, 240);
      const last = outcomes.slice(-100);
      const measured = last.filter(Boolean).length / last.length;
      const shown = publicQueueView(await service.queue(q.id), new Date(clock.now)).etaCoverage;
      assert.deepEqual(shown, { samples: 100, coverage: measured });
      const r = await service.reportFacts(q.id, { from: new Date(T0), to: new Date(clock.now + 1) });
      const stats = queueStats(r.facts, r.from, r.to);
      assert.equal(stats.etaAccuracy.samples, 240);
      assert.equal(stats.etaAccuracy.coverage, outcomes.filter(Boolean).length / 240);
      assert.ok(Math.abs(measured - DEFAULT_COVERAGE_TARGET) <= 0.12, `coverage of the last 100 calls: ${measured}`);
      await store.close();
    });

    it('shows no coverage to customers before enough calls', async () => {
      const store = b.open();
      const { service, clock } = await fixture(store);
      const q = await service.createQueue({ name: 'young', mode: 'service' });
      for (let i = 0; i < MIN_PUBLIC_SAMPLES - 1; i++) {
        const { result } = await service.join(q.id, {}, null);
        clock.now += 1000;
        await service.callNext(q.id, 'A');
        await service.act(result.id, 'serve');
      }
      assert.equal(publicQueueView(await service.queue(q.id), new Date(clock.now)).etaCoverage, null);
      await service.join(q.id, {}, null);
      await service.callNext(q.id, 'A');
      const shown = publicQueueView(await service.queue(q.id), new Date(clock.now)).etaCoverage;
      assert.equal(shown?.samples, MIN_PUBLIC_SAMPLES);
      await store.close();
    });
  });

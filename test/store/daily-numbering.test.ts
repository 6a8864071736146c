import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { newId } from '../../src/domain/tokens.js';
import type { JoinOutcome, JoinRequest, Store } from '../../src/store/contract.js';
import { skipPg, uniqueName } from '../support/env.js';
import { storeFixtures } from './support.js';

/**
 * `settings.numbering: "daily"`: the first join after midnight in the queue's time zone is number
 * 1 again, on every join path (a plain batch, the batch with idempotency keys), while a continuous
 * queue keeps counting and a midnight elsewhere (UTC) changes nothing. The clock is injected.
 */

const fx = storeFixtures('daily_numbers');
const BASE = { averageServiceSeconds: 300, ticketTtlSeconds: 0, notifyAtPosition: 3 };
/** Tokyo is UTC+9 all year: its midnight is 15:00 UTC the day before. */
const TOKYO = 'Asia/Tokyo';
const at = (iso: string) => new Date(iso);

const request = (idempotencyKey: string | null = null): JoinRequest => ({
  id: newId('t'),
  tokenHash: 'h'.repeat(64),
  priority: 'normal',
  name: null,
  contact: null,
  metadata: null,
  idempotencyKey,
  sealedToken: null,
});

const numbers = (outcomes: readonly JoinOutcome[]) =>
  outcomes.map((o) => (o.kind === 'joined' || o.kind === 'replayed' ? o.ticket.number : o.code));
const plain = (store: Store, q: string, n: number, when: Date) =>
  store.joinMany(
    q,
    Array.from({ length: n }, () => request()),
    when,
  );
const keyed = (store: Store, q: string, n: number, when: Date) =>
  store.joinMany(
    q,
    Array.from({ length: n }, () => request(uniqueName('k').padEnd(20, 'x'))),
    when,
  );

const BACKENDS = [
  { name: 'SQLite', skip: false as const, open: () => fx.sqlite(`${uniqueName('s')}.db`) },
  { name: 'PostgreSQL', skip: skipPg, open: () => fx.postgres(uniqueName('p')) },
];

for (const b of BACKENDS) {
  describe(`daily ticket numbering on ${b.name}`, { skip: b.skip }, () => {
    const queue = async (store: Store, settings: Record<string, unknown>, when: Date) =>
      (
        await store.createQueue(
          { id: newId('q'), name: 'q', mode: 'service', capacity: null, settings: { ...BASE, ...settings } },
          when,
        )
      ).id;

    it('restarts at 1 after local midnight on the plain path, and the plain path goes on from there', async () => {
      const store = b.open();
      await store.migrate();
      const q = await queue(store, { numbering: 'daily', timezone: TOKYO }, at('2026-03-10T01:00:00Z'));
      assert.deepEqual(numbers(await plain(store, q, 3, at('2026-03-10T14:59:59Z'))), [1, 2, 3]);
      // 15:00 UTC is midnight in Tokyo.
      assert.deepEqual(numbers(await plain(store, q, 2, at('2026-03-10T15:00:00Z'))), [1, 2]);
      assert.deepEqual(numbers(await plain(store, q, 2, at('2026-03-10T16:00:00Z'))), [3, 4]);
      // A UTC midnight is not the queue's: the numbering goes on.
      assert.deepEqual(numbers(await plain(store, q, 1, at('2026-03-11T00:00:01Z'))), [5]);
      assert.deepEqual(numbers(await plain(store, q, 1, at('2026-03-11T15:00:01Z'))), [1]);
      const all = (await store.listTickets(q, { limit: 100 })).items.map((t) => t.number).sort();
      assert.deepEqual(all, [1, 1, 1, 2, 2, 3, 3, 4, 5], 'repeated numbers live side by side across days');
      assert.deepEqual(await store.admin.integrity().then((r) => r.problems), []);
      await store.close();
    });

    it('restarts at 1 after local midnight on the path with idempotency keys', async () => {
      const store = b.open();
      await store.migrate();
      const q = await queue(store, { numbering: 'daily', timezone: TOKYO }, at('2026-03-10T01:00:00Z'));
      assert.deepEqual(numbers(await keyed(store, q, 2, at('2026-03-10T10:00:00Z'))), [1, 2]);
      assert.deepEqual(numbers(await keyed(store, q, 2, at('2026-03-10T15:30:00Z'))), [1, 2]);
      assert.deepEqual(numbers(await plain(store, q, 1, at('2026-03-10T15:31:00Z'))), [3]);
      assert.deepEqual(numbers(await keyed(store, q, 1, at('2026-03-10T15:32:00Z'))), [4]);
      await store.close();
    });

    it('a night without joins restarts once; a continuous queue never restarts', async () => {
      const store = b.open();
      await store.migrate();
      const daily = await queue(store, { numbering: 'daily', timezone: TOKYO }, at('2026-03-10T01:00:00Z'));
      const continuous = await queue(store, {}, at('2026-03-10T01:00:00Z'));
      for (const q of [daily, continuous]) await plain(store, q, 2, at('2026-03-10T02:00:00Z'));
      // Three days later: one new cycle, not three.
      assert.deepEqual(numbers(await plain(store, daily, 2, at('2026-03-13T02:00:00Z'))), [1, 2]);
      assert.deepEqual(numbers(await plain(store, daily, 1, at('2026-03-13T03:00:00Z'))), [3]);
      assert.deepEqual(numbers(await plain(store, continuous, 2, at('2026-03-13T02:00:00Z'))), [3, 4]);
      await store.close();
    });

    it('switching to daily keeps today’s numbers and restarts at the next local midnight', async () => {
      const store = b.open();
      await store.migrate();
      const q = await queue(store, {}, at('2026-03-10T01:00:00Z'));
      await plain(store, q, 3, at('2026-03-10T02:00:00Z'));
      await store.updateQueue(q, { settings: { numbering: 'daily', timezone: TOKYO } }, at('2026-03-10T03:00:00Z'));
      assert.deepEqual(numbers(await plain(store, q, 1, at('2026-03-10T04:00:00Z'))), [4]);
      assert.deepEqual(numbers(await plain(store, q, 1, at('2026-03-10T15:00:00Z'))), [1]);
      await store.updateQueue(q, { settings: { numbering: 'continuous' } }, at('2026-03-10T16:00:00Z'));
      assert.deepEqual(numbers(await plain(store, q, 1, at('2026-03-11T16:00:00Z'))), [2]);
      await store.close();
    });
  });
}

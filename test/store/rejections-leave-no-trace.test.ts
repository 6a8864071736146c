import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { newId } from '../../src/domain/tokens.js';
import type { JoinRequest, Store } from '../../src/store/contract.js';
import { joinRequest } from '../support/join-request.js';
import { skipPg, uniqueName } from '../support/env.js';
import { storeFixtures } from './support.js';

/**
 * A request the store refuses changes nothing: a join to a closed or full queue, a ticket action
 * in the wrong status, a call on a paused queue or on an empty one leave the queue row (its
 * `updated_at` included) and every ticket exactly as they were.
 */

const fx = storeFixtures('no_trace');
const DEFAULTS = { averageServiceSeconds: 300, ticketTtlSeconds: 0, notifyAtPosition: 3 };
const T0 = new Date('2026-01-01T10:00:00Z');
const LATER = new Date('2026-01-01T11:00:00Z');

const request = (idempotencyKey: string | null = null): JoinRequest => joinRequest({ idempotencyKey });

async function everything(store: Store, queueId: string) {
  return { queue: await store.getQueue(queueId), tickets: (await store.listTickets(queueId, { limit: 100 })).items };
}

const BACKENDS = [
  { name: 'SQLite', skip: false as const, open: () => fx.sqlite(`${uniqueName('s')}.db`) },
  { name: 'PostgreSQL', skip: skipPg, open: () => fx.postgres(uniqueName('p')) },
];

for (const b of BACKENDS) {
  describe(`refused requests leave no trace on ${b.name}`, { skip: b.skip }, () => {
    it('joins to a closed or full queue, wrong-status actions and refused calls change nothing', async () => {
      const store = b.open();
      await store.migrate();
      const queue = (capacity: number | null) =>
        store.createQueue({ id: newId('q'), name: 'q', mode: 'service', capacity, settings: DEFAULTS }, T0);
      const full = (await queue(1)).id;
      const [waiting] = await store.joinMany(full, [request()], T0);
      assert.equal(waiting?.kind, 'joined');
      const closed = (await queue(null)).id;
      await store.updateQueue(closed, { status: 'closed' }, T0);
      const paused = (await queue(null)).id;
      await store.joinMany(paused, [request()], T0);
      await store.updateQueue(paused, { status: 'paused' }, T0);
      const empty = (await queue(null)).id;

      const ids = [full, closed, paused, empty];
      const before = await Promise.all(ids.map((id) => everything(store, id)));
      const refusals: string[] = [];
      for (const [q, code] of [
        [full, 'queue_full'],
        [closed, 'queue_closed'],
      ] as const) {
        // The one-statement batch, and the general one (idempotency keys) that locks the queue first.
        for (const reqs of [[request(), request()], [request(`key-${newId('k')}`)]]) {
          const out = await store.joinMany(q, reqs, LATER);
          assert.deepEqual(
            out.map((o) => (o.kind === 'rejected' ? o.code : o.kind)),
            reqs.map(() => code),
          );
          refusals.push(code);
        }
      }
      const ticketId = waiting.kind === 'joined' ? waiting.ticket.id : '';
      const conflict = await store.transition(ticketId, ['called'], { to: 'served' }, LATER);
      assert.deepEqual(conflict, { kind: 'conflict', current: 'waiting' });
      await assert.rejects(store.callNext(paused, 'called', null, LATER), { code: 'conflict' });
      assert.equal(await store.callNext(empty, 'called', null, LATER), null);
      refusals.push('conflict', 'paused', 'nobody waiting');

      assert.deepEqual(await Promise.all(ids.map((id) => everything(store, id))), before);
      console.log(`[no trace] ${b.name}: ${refusals.length} refused requests, queue rows and tickets unchanged`);
      await store.close();
    });

    it('a settings patch merges into the stored settings: concurrent patches all land', async () => {
      const store = b.open();
      await store.migrate();
      const q = await store.createQueue(
        { id: newId('q'), name: 'q', mode: 'service', capacity: null, settings: DEFAULTS },
        T0,
      );
      await Promise.all([
        store.updateQueue(q.id, { settings: { averageServiceSeconds: 42 } }, LATER),
        store.updateQueue(q.id, { settings: { ticketTtlSeconds: 600 } }, LATER),
      ]);
      assert.deepEqual((await store.getQueue(q.id))?.settings, {
        averageServiceSeconds: 42,
        ticketTtlSeconds: 600,
        notifyAtPosition: 3,
      });
      await store.close();
    });
  });
}

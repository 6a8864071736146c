import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { newId } from '../../src/domain/tokens.js';
import type { JoinRequest } from '../../src/store/contract.js';
import { joinRequest } from '../support/join-request.js';
import { skipPg, uniqueName } from '../support/env.js';
import { storeFixtures } from './support.js';

/**
 * The queue's waiting counters (all, and high priority) follow every change in the transaction
 * that makes it, so the integrity check finds them equal to the tickets, and positions handed out
 * at commit count exactly the waiting tickets ahead.
 */

const fx = storeFixtures('counters');
const DEFAULTS = { averageServiceSeconds: 300, ticketTtlSeconds: 60, notifyAtPosition: 3 };

const request = (priority: 'normal' | 'high', idempotencyKey: string | null = null): JoinRequest =>
  joinRequest({ priority, idempotencyKey });

const BACKENDS = [
  { name: 'SQLite', skip: false as const, open: () => fx.sqlite(`${uniqueName('s')}.db`) },
  { name: 'PostgreSQL', skip: skipPg, open: () => fx.postgres(uniqueName('p')) },
];

for (const b of BACKENDS) {
  describe(`waiting counters on ${b.name}`, { skip: b.skip }, () => {
    it('follow joins, calls, requeues, leaves and expiry; positions at commit match the order', async () => {
      const store = b.open();
      await store.migrate();
      const t0 = new Date('2026-01-01T10:00:00Z');
      const q = (
        await store.createQueue({ id: newId('q'), name: 'q', mode: 'service', capacity: null, settings: DEFAULTS }, t0)
      ).id;
      const first = await store.joinMany(q, [request('normal'), request('high'), request('normal')], t0);
      assert.deepEqual(
        first.map((o) => (o.kind === 'joined' ? o.position : o.kind)),
        [2, 1, 3],
      );
      // The general path (idempotency keys) counts the same way.
      const keyed = await store.joinMany(
        q,
        [request('high', `k-${newId('k')}`), request('normal', `k-${newId('k')}`)],
        t0,
      );
      assert.deepEqual(
        keyed.map((o) => (o.kind === 'joined' ? o.position : o.kind)),
        [2, 5],
      );
      const called = await store.callNext(q, 'called', null, t0);
      assert.equal(called?.priority, 'high');
      const requeued = await store.transition(called!.id, ['called'], { to: 'waiting', requeue: true }, t0);
      assert.equal(requeued.kind === 'ok' && requeued.position, 2, 'back of the high-priority line');
      const normal = first[0]?.kind === 'joined' ? first[0].ticket.id : '';
      const left = await store.transition(normal, ['waiting'], { to: 'left' }, t0);
      assert.equal(left.kind === 'ok' && left.position, null);
      const [later] = await store.joinMany(q, [request('normal')], t0);
      assert.equal(later?.kind === 'joined' && later.position, 5);
      const report = await store.admin.integrity();
      assert.deepEqual(report.problems, []);
      // Everything waiting expires: both counters go back to zero, and a new batch's high ticket
      // waits ahead of the normal one sent before it.
      const expired = await store.expireWaiting(new Date(t0.getTime() + 3_600_000));
      assert.equal(expired.length, 5);
      const after = await store.joinMany(q, [request('normal'), request('high')], t0);
      assert.deepEqual(
        after.map((o) => (o.kind === 'joined' ? o.position : o.kind)),
        [2, 1],
      );
      assert.deepEqual((await store.admin.integrity()).problems, []);
      await store.close();
    });
  });
}

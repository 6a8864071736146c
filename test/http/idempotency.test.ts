import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { call, COMBOS, suiteNode } from '../support/harness.js';
import { assertError, createQueue, getTicket, join, listAll, stateOf } from './helpers.js';

/** Idempotent joins (docs/api.md): a replay returns the ticket only for the same request. */
for (const combo of COMBOS) {
  describe(combo.name, { skip: combo.skip }, () => {
    const fixture = suiteNode(combo);

    const joinWith = (queueId: string, key: string, body: unknown) =>
      call(fixture.url, 'POST', `/api/queues/${queueId}/tickets`, {
        body,
        key: null,
        headers: { 'idempotency-key': key },
      });

    test('the same Idempotency-Key and body return the same ticket and token, 200 on replay', async () => {
      const q = await createQueue(fixture.url);
      const key = 'order-4711-5f0c2e9a';
      const first = await joinWith(q.id, key, { name: 'Bo', metadata: { a: 1, b: 'x' } });
      assert.equal(first.status, 201);
      // The same fields in another order and with the defaults spelled out are the same request.
      const again = await joinWith(q.id, key, { metadata: { b: 'x', a: 1 }, priority: 'normal', name: 'Bo' });
      assert.equal(again.status, 200, JSON.stringify(again.body));
      assert.equal(again.body.id, first.body.id);
      assert.equal(again.body.token, first.body.token);
      assert.equal(again.body.number, first.body.number);
      const other = await join(fixture.url, q.id, {}, { headers: { 'idempotency-key': 'order-4712-5f0c2e9a' } });
      assert.notEqual(other.id, first.body.id);
      assert.equal((await call(fixture.url, 'GET', `/api/queues/${q.id}`)).body.waitingCount, 2);
    });

    test('a used key with a different body is 422 idempotency_key_reused and reveals no token', async () => {
      const q = await createQueue(fixture.url);
      const key = 'victim-key-0123456789';
      const first = await joinWith(q.id, key, { name: 'Ann' });
      assert.equal(first.status, 201);
      const before = await stateOf(fixture.url);
      for (const body of [{}, { name: 'Mallory' }, { name: 'Ann', contact: 'x@example.com' }]) {
        const r = await joinWith(q.id, key, body);
        assertError(r, 422, 'idempotency_key_reused', JSON.stringify(body));
        assert.ok(!JSON.stringify(r.body).includes(first.body.token), 'the token leaked');
      }
      assert.equal(await stateOf(fixture.url), before, 'a refused replay changed the state');
      assert.equal((await getTicket(fixture.url, first.body.id, first.body.token)).status, 200);
    });

    test('keys shorter than 16 characters are refused with 400 and create nothing', async () => {
      const q = await createQueue(fixture.url);
      for (const key of ['1', 'order-4711', 'k'.repeat(15)])
        assertError(await joinWith(q.id, key, {}), 400, 'validation_failed', `key ${key}`);
      assert.equal((await joinWith(q.id, 'k'.repeat(16), {})).status, 201);
      assert.equal((await listAll(fixture.url, q.id)).length, 1);
    });

    test('concurrent retries with one key create one ticket; another body in the burst gets 422', async () => {
      const q = await createQueue(fixture.url);
      const key = 'burst-1-0123456789ab';
      const rs = await Promise.all(Array.from({ length: 8 }, () => joinWith(q.id, key, {})));
      assert.deepEqual(rs.map((r) => r.status).sort(), [200, 200, 200, 200, 200, 200, 200, 201]);
      assert.equal(new Set(rs.map((r) => r.body.id)).size, 1);
      assert.equal(new Set(rs.map((r) => r.body.token)).size, 1);
      const mixed = await Promise.all([
        joinWith(q.id, 'burst-2-0123456789ab', {}),
        joinWith(q.id, 'burst-2-0123456789ab', { name: 'Z' }),
      ]);
      assert.deepEqual(mixed.map((r) => r.status).sort(), [201, 422]);
      assert.equal((await listAll(fixture.url, q.id)).length, 2);
    });
  });
}

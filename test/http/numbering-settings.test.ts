import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { call, COMBOS, suiteNode } from '../support/harness.js';
import { createQueue, join } from './helpers.js';

/**
 * The daily numbering settings over HTTP (the day change itself, with a moved clock, is in
 * test/store/daily-numbering.test.ts): checked, defaulted to the server's zone, kept when patched.
 */
for (const combo of COMBOS) {
  describe(`numbering settings (${combo.name})`, { skip: combo.skip }, () => {
    const fixture = suiteNode(combo, { QK_TIMEZONE: 'America/Mexico_City' });

    test('daily numbering without a zone takes QK_TIMEZONE; a patch without a zone keeps the queue’s', async () => {
      const q = await createQueue(fixture.url, { settings: { numbering: 'daily' } });
      assert.equal(q.settings.numbering, 'daily');
      assert.equal(q.settings.timezone, 'America/Mexico_City');
      const tokyo = await createQueue(fixture.url, { settings: { numbering: 'daily', timezone: 'Asia/Tokyo' } });
      const patched = await call(fixture.url, 'PATCH', `/api/queues/${tokyo.id}`, {
        body: { settings: { numbering: 'daily' } },
      });
      assert.equal(patched.body.settings.timezone, 'Asia/Tokyo');
      const t = await join(fixture.url, q.id);
      assert.equal(t.number, 1);
      await call(fixture.url, 'POST', `/api/queues/${q.id}/call-next`, { body: { counter: 'A' } });
      const board = await call(fixture.url, 'GET', `/api/queues/${q.id}/board`, { key: null });
      assert.deepEqual(
        board.body.nowServing.map((n: { number: number; counter: string }) => [n.number, n.counter]),
        [[1, 'A']],
      );
      const seen = await call(fixture.url, 'GET', `/api/tickets/${t.id}`, {
        key: null,
        headers: { 'x-ticket-token': t.token },
      });
      assert.equal(seen.body.number, 1);
    });

    test('an unknown numbering or time zone is a 400 that changes nothing', async () => {
      const q = await createQueue(fixture.url);
      for (const settings of [{ numbering: 'weekly' }, { numbering: 'daily', timezone: 'Mars/Olympus_Mons' }]) {
        const created = await call(fixture.url, 'POST', '/api/queues', {
          body: { name: 'x', mode: 'service', settings },
        });
        assert.equal(created.status, 400, JSON.stringify(settings));
        assert.equal(created.body.error.code, 'validation_failed');
        const patched = await call(fixture.url, 'PATCH', `/api/queues/${q.id}`, { body: { settings } });
        assert.equal(patched.status, 400);
      }
      const after = await call(fixture.url, 'GET', `/api/queues/${q.id}`);
      assert.equal(after.body.settings.numbering, undefined);
    });
  });
}

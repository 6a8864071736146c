import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { call, COMBOS, eventually, startNode, type Isolation, type Node } from '../support/harness.js';

/** On a node whose scheduler is on, admission runs by itself; with it off, nobody is admitted. */
for (const combo of COMBOS) {
  describe(`the admission loop (${combo.name})`, { skip: combo.skip }, () => {
    let iso: Isolation;
    let on: Node;
    let off: Node;

    before(async () => {
      iso = combo.isolate();
      on = await startNode(iso.env, { QK_SCHEDULER: 'on' });
      off = await startNode(iso.env);
    });
    after(async () => {
      await off.close();
      await on.close();
      await iso.cleanup();
    });

    it('admits waiting visitors on a scheduler node without anyone asking', async () => {
      const q = await call(off.url, 'POST', '/api/queues', {
        body: { name: 'Sale', mode: 'waiting_room', settings: { admission: { newPerMinute: 600 } } },
      });
      const ids: { id: string; token: string }[] = [];
      for (let i = 0; i < 4; i++) {
        const r = await call(off.url, 'POST', `/api/queues/${q.body.id}/tickets`, { body: {}, key: null });
        ids.push(r.body);
      }
      await eventually(async () => {
        for (const t of ids) {
          const r = await call(off.url, 'GET', `/api/tickets/${t.id}`, {
            key: null,
            headers: { 'x-ticket-token': t.token },
          });
          assert.equal(r.body.status, 'admitted');
          assert.equal(typeof r.body.pass, 'string');
        }
      }, 10_000);
    });
  });
}

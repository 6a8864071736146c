import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { call, COMBOS, type Isolation, type Node, startNode } from '../support/harness.js';
import { assertError, createQueue, getTicket, join, leave, listAll } from './helpers.js';

/** Queues and tickets over HTTP, as docs/api.md describes them, on every backend combination. */
for (const combo of COMBOS) {
  describe(combo.name, { skip: combo.skip }, () => {
    let iso: Isolation;
    let node: Node;
    let base = '';
    let operatorKey = '';

    before(async () => {
      iso = combo.isolate();
      node = await startNode(iso.env);
      base = node.url;
      const k = await call(base, 'POST', '/api/keys', { body: { role: 'operator', name: 'desk' } });
      assert.equal(k.status, 201);
      operatorKey = k.body.key;
    });
    after(async () => {
      await node?.close();
      await iso?.cleanup();
    });

    const act = (id: string, action: string, body?: unknown) =>
      call(base, 'POST', `/api/tickets/${id}/${action}`, body === undefined ? {} : { body });
    const callNext = (queueId: string, body: unknown = {}) =>
      call(base, 'POST', `/api/queues/${queueId}/call-next`, { body });
    const position = async (t: { id: string; token: string }) => (await getTicket(base, t.id, t.token)).body.position;

    describe('queues: create, list, get, patch, delete', () => {
      test('the whole life of a queue', async () => {
        const q = await createQueue(base, {
          name: 'Front desk',
          capacity: 50,
          settings: { averageServiceSeconds: 60 },
        });
        assert.match(q.id, /^[A-Za-z0-9_-]{1,64}$/);
        assert.equal(q.name, 'Front desk');
        assert.equal(q.mode, 'service');
        assert.equal(q.status, 'open');
        assert.equal(q.capacity, 50);
        assert.equal(q.waitingCount, 0);
        assert.equal(q.settings.averageServiceSeconds, 60);

        const list = await call(base, 'GET', '/api/queues');
        assert.equal(list.status, 200);
        assert.ok(Array.isArray(list.body.items) && 'nextCursor' in list.body);
        assert.ok(list.body.items.some((x: any) => x.id === q.id));

        const full = await call(base, 'GET', `/api/queues/${q.id}`);
        assert.equal(full.status, 200);
        assert.equal(full.body.capacity, 50);
        const pub = await call(base, 'GET', `/api/queues/${q.id}`, { key: null });
        assert.equal(pub.status, 200);
        assert.deepEqual(Object.keys(pub.body).sort(), [
          'estimatedWait',
          'etaCoverage',
          'id',
          'mode',
          'name',
          'status',
          'waitingCount',
        ]);
        assert.equal(pub.body.waitingCount, 0);

        const patched = await call(base, 'PATCH', `/api/queues/${q.id}`, {
          body: { name: 'Back desk', status: 'paused', settings: { ticketTtlSeconds: 600 } },
        });
        assert.equal(patched.status, 200);
        assert.equal(patched.body.name, 'Back desk');
        assert.equal(patched.body.status, 'paused');
        assert.deepEqual(patched.body.settings, {
          averageServiceSeconds: 60,
          ticketTtlSeconds: 600,
          notifyAtPosition: 3,
        });
        assert.equal((await call(base, 'GET', `/api/queues/${q.id}`)).body.name, 'Back desk');

        const t = await join(base, q.id);
        const del = await call(base, 'DELETE', `/api/queues/${q.id}`);
        assert.equal(del.status, 204);
        assertError(await call(base, 'GET', `/api/queues/${q.id}`), 404, 'not_found', 'deleted queue');
        assertError(await getTicket(base, t.id, t.token), 404, 'not_found', 'ticket of a deleted queue');
        assert.ok(!(await call(base, 'GET', '/api/queues')).body.items.some((x: any) => x.id === q.id));
        assertError(await call(base, 'DELETE', `/api/queues/${q.id}`), 404, 'not_found', 'second delete');
      });
    });

    describe('join, read and leave a ticket', () => {
      test('join answers 201 with the ticket, its token, position and ETA', async () => {
        const q = await createQueue(base);
        const a = await join(base, q.id, { name: 'Ada', contact: 'ada@example.com', metadata: { party: 2 } });
        assert.equal(typeof a.id, 'string');
        assert.equal(typeof a.token, 'string');
        assert.ok(a.token.length >= 16);
        assert.equal(a.number, 1);
        assert.equal(a.position, 1);
        assert.equal(a.status, 'waiting');
        assert.ok(a.eta && Number.isFinite(a.eta.lowSeconds) && Number.isFinite(a.eta.highSeconds));
        assert.ok(a.eta.lowSeconds >= 0 && a.eta.lowSeconds <= a.eta.highSeconds);
        const b = await join(base, q.id, {});
        assert.equal(b.number, 2);
        assert.equal(b.position, 2);
        assert.ok(b.eta!.highSeconds >= a.eta.highSeconds);

        const got = await getTicket(base, a.id, a.token);
        assert.equal(got.status, 200);
        assert.equal(got.body.id, a.id);
        assert.equal(got.body.queueId, q.id);
        assert.equal(got.body.number, 1);
        assert.equal(got.body.status, 'waiting');
        assert.equal(got.body.position, 1);
        assert.deepEqual(got.body.eta, a.eta);
        assert.equal(got.body.token, undefined, 'the token is shown only at join');
        assert.equal(got.body.contact, undefined, 'contact is for operators');
      });

      test('a wrong or missing token looks exactly like an unknown ticket (404)', async () => {
        const q = await createQueue(base);
        const a = await join(base, q.id);
        const unknown = await getTicket(base, 't_doesNotExist123', a.token);
        assertError(unknown, 404, 'not_found', 'unknown id');
        for (const r of [
          await getTicket(base, a.id, 'wrong-token'),
          await getTicket(base, a.id, undefined),
          await getTicket(base, a.id, ''),
        ]) {
          assert.equal(r.status, 404);
          assert.deepEqual(r.body, unknown.body);
        }
        const wrongLeave = await call(base, 'DELETE', `/api/tickets/${a.id}`, {
          key: null,
          headers: { 'x-ticket-token': 'nope' },
        });
        assert.equal(wrongLeave.status, 404);
        assert.deepEqual(wrongLeave.body, unknown.body);
        assert.equal((await getTicket(base, a.id, a.token)).body.status, 'waiting');
      });

      test('DELETE with the token leaves; those behind move up', async () => {
        const q = await createQueue(base);
        const a = await join(base, q.id);
        const b = await join(base, q.id);
        const r = await leave(base, a.id, a.token);
        assert.equal(r.status, 200);
        assert.equal(r.body.status, 'left');
        assert.equal(r.body.position, null);
        assert.equal((await getTicket(base, a.id, a.token)).body.status, 'left');
        assert.equal(await position(b), 1);
        assertError(await leave(base, a.id, a.token), 409, 'conflict', 'leaving twice');
        assert.equal((await call(base, 'GET', `/api/queues/${q.id}`)).body.waitingCount, 1);
      });
    });

    describe('capacity, closed and paused queues', () => {
      test('a full queue answers 409 queue_full until someone leaves', async () => {
        const q = await createQueue(base, { capacity: 2 });
        const a = await join(base, q.id);
        await join(base, q.id);
        assertError(
          await call(base, 'POST', `/api/queues/${q.id}/tickets`, { body: {}, key: null }),
          409,
          'queue_full',
          'third join',
        );
        assert.equal((await call(base, 'GET', `/api/queues/${q.id}`)).body.waitingCount, 2);
        await leave(base, a.id, a.token);
        await join(base, q.id);
      });

      test('a closed queue answers 409 queue_closed', async () => {
        const q = await createQueue(base);
        assert.equal(
          (await call(base, 'PATCH', `/api/queues/${q.id}`, { body: { status: 'closed' } })).body.status,
          'closed',
        );
        assertError(
          await call(base, 'POST', `/api/queues/${q.id}/tickets`, { body: {}, key: null }),
          409,
          'queue_closed',
          'join closed',
        );
        assert.equal((await listAll(base, q.id)).length, 0);
      });

      test('a paused queue takes joins but calls nobody (409 conflict)', async () => {
        const q = await createQueue(base);
        await join(base, q.id);
        const t = await join(base, q.id);
        await call(base, 'PATCH', `/api/queues/${q.id}`, { body: { status: 'paused' } });
        await join(base, q.id);
        assertError(await callNext(q.id), 409, 'conflict', 'call-next while paused');
        assertError(await act(t.id, 'call'), 409, 'conflict', 'call while paused');
        assert.equal((await call(base, 'GET', `/api/queues/${q.id}`)).body.waitingCount, 3);
        await call(base, 'PATCH', `/api/queues/${q.id}`, { body: { status: 'open' } });
        assert.equal((await callNext(q.id)).status, 200);
      });
    });

    describe('call-next order', () => {
      test('high priority first (operator joins only), then first come first served; 204 when empty', async () => {
        const q = await createQueue(base);
        assertError(
          await call(base, 'POST', `/api/queues/${q.id}/tickets`, { body: { priority: 'high' }, key: null }),
          403,
          'forbidden',
          'customer high priority',
        );
        const n1 = await join(base, q.id);
        const n2 = await join(base, q.id);
        const h1 = await join(base, q.id, { priority: 'high' }, { key: operatorKey });
        const n3 = await join(base, q.id);
        const h2 = await join(base, q.id, { priority: 'high' }, { key: operatorKey });
        const expected = [h1, h2, n1, n2, n3];
        for (const [i, t] of expected.entries()) assert.equal(await position(t), i + 1, `position of #${t.number}`);
        for (const t of expected) {
          const r = await callNext(q.id, { counter: 'desk 3' });
          assert.equal(r.status, 200);
          assert.equal(r.body.id, t.id);
          assert.equal(r.body.status, 'called');
          assert.equal(r.body.counter, 'desk 3');
          assert.equal(r.body.position, null);
        }
        const empty = await callNext(q.id);
        assert.equal(empty.status, 204);
        assert.equal(empty.body, null);
      });
    });

    describe('operator transitions', () => {
      test('serve, no-show, requeue and call out of order; illegal moves are 409 conflict', async () => {
        const q = await createQueue(base);
        const [t1, t2, t3] = [await join(base, q.id), await join(base, q.id), await join(base, q.id)];
        for (const a of ['serve', 'no-show', 'requeue'])
          assertError(await act(t1.id, a), 409, 'conflict', `${a} a waiting ticket`);

        const c3 = await act(t3.id, 'call', { counter: 'B' });
        assert.equal(c3.status, 200);
        assert.equal(c3.body.status, 'called');
        assert.equal(c3.body.counter, 'B');
        assertError(await act(t3.id, 'call'), 409, 'conflict', 'call a called ticket');
        assert.equal((await act(t3.id, 'serve')).body.status, 'served');
        for (const a of ['serve', 'no-show', 'requeue', 'call'])
          assertError(await act(t3.id, a), 409, 'conflict', `${a} a served ticket`);

        assert.equal((await callNext(q.id)).body.id, t1.id);
        assert.equal((await act(t1.id, 'no-show')).body.status, 'no_show');
        assertError(await act(t1.id, 'serve'), 409, 'conflict', 'serve a no-show');
        const back = await act(t1.id, 'requeue');
        assert.equal(back.body.status, 'waiting');
        assert.equal(back.body.position, 2, 'a requeued ticket goes to the end of the line');
        assert.equal(await position(t2), 1);

        assert.equal((await callNext(q.id)).body.id, t2.id);
        assert.equal((await act(t2.id, 'requeue')).body.position, 2);
        assert.equal(await position(t1), 1);

        assert.equal((await callNext(q.id)).body.id, t1.id);
        assert.equal((await leave(base, t1.id, t1.token)).body.status, 'left', 'a called customer may still leave');
        for (const a of ['serve', 'no-show', 'requeue', 'call'])
          assertError(await act(t1.id, a), 409, 'conflict', `${a} a left ticket`);
        assertError(await act('t_unknownTicket', 'serve'), 404, 'not_found', 'unknown ticket');
      });
    });

    describe('waiting_room mode', () => {
      test('call-next admits', async () => {
        // Not open yet, so nobody is admitted by the room itself: the operator admits by hand.
        const q = await createQueue(base, {
          mode: 'waiting_room',
          settings: { admission: { opensAt: '2099-01-01T00:00:00Z' } },
        });
        const a = await join(base, q.id);
        const b = await join(base, q.id);
        const r = await callNext(q.id);
        assert.equal(r.status, 200);
        assert.equal(r.body.id, a.id);
        assert.equal(r.body.status, 'admitted');
        assert.equal((await getTicket(base, a.id, a.token)).body.status, 'admitted');
        assertError(await act(a.id, 'serve'), 409, 'conflict', 'serve an admitted ticket');
        assert.equal((await act(b.id, 'call')).body.status, 'admitted', 'calling out of order admits too');
        assert.equal((await callNext(q.id)).status, 204);
      });
    });

    describe('ticket list', () => {
      test('filters by status and pages with cursors in calling order', async () => {
        const q = await createQueue(base);
        const ts = [];
        for (let i = 0; i < 7; i++) ts.push(await join(base, q.id));
        await callNext(q.id);
        await callNext(q.id);
        await leave(base, ts[4]!.id, ts[4]!.token);

        const page1 = await call(base, 'GET', `/api/queues/${q.id}/tickets?status=waiting&limit=3`);
        assert.equal(page1.status, 200);
        assert.deepEqual(
          page1.body.items.map((t: any) => t.number),
          [3, 4, 6],
        );
        assert.deepEqual(
          page1.body.items.map((t: any) => t.position),
          [1, 2, 3],
        );
        assert.equal(typeof page1.body.nextCursor, 'string');
        const page2 = await call(
          base,
          'GET',
          `/api/queues/${q.id}/tickets?status=waiting&limit=3&cursor=${encodeURIComponent(page1.body.nextCursor)}`,
        );
        assert.deepEqual(
          page2.body.items.map((t: any) => [t.number, t.position]),
          [[7, 4]],
        );
        assert.equal(page2.body.nextCursor, null);

        assert.deepEqual(
          (await listAll(base, q.id, 'called')).map((t) => t.number),
          [1, 2],
        );
        assert.deepEqual(
          (await listAll(base, q.id, 'left')).map((t) => t.number),
          [5],
        );
        const all = await listAll(base, q.id, undefined, 2);
        assert.equal(all.length, 7);
        assert.deepEqual(
          all.map((t) => t.number),
          [1, 2, 3, 4, 5, 6, 7],
        );
        assert.equal(all[0].contact, null, 'operators see contact fields');
        assertError(
          await call(base, 'GET', `/api/queues/${q.id}/tickets?status=sleeping`),
          400,
          'validation_failed',
          'bad status',
        );
      });
    });
  });
}

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { COMBOS } from '../support/harness.js';
import { createRoom, joinRoom, req, suiteRoomNode, testClock } from './support.js';

const START = '2026-03-02T09:00:00.000Z';

/**
 * A room at its `maxActive` quotes, at join and in every view of the queue, the wait for a session
 * to end, the way the ticket's own status does; rooms without a cap and service queues quote as the
 * rate or the service time says.
 */
for (const combo of COMBOS) {
  describe(`a capped room's quotes at join and in the queue views (${combo.name})`, { skip: combo.skip }, () => {
    const clock = testClock(START);
    const node = suiteRoomNode(combo, clock.now);
    const read = async (t: { id: string; token: string }) =>
      (await req(node.app, 'GET', `/api/tickets/${t.id}`, { token: t.token })).body;
    const joinKeyed = async (queueId: string, key: string) => {
      const r = await node.app.inject({
        method: 'POST',
        url: `/api/queues/${queueId}/tickets`,
        headers: { 'idempotency-key': key },
        payload: {},
      });
      return { status: r.statusCode, body: JSON.parse(r.body) };
    };
    const listed = async (queueId: string) =>
      (await req(node.app, 'GET', '/api/queues', { key: true })).body.items.find(
        (q: { id: string }) => q.id === queueId,
      );

    /** Two visitors joined and admitted; returns the seconds until the first of their sessions ends. */
    async function twoAdmitted(queueId: string): Promise<number> {
      const visitors = [await joinRoom(node.app, queueId), await joinRoom(node.app, queueId)];
      for (let i = 0; i < 40; i++) {
        const views = await Promise.all(visitors.map(read));
        if (views.every((v) => v.status === 'admitted'))
          return (Math.min(...views.map((v) => Date.parse(v.admittedUntil))) - clock.now().getTime()) / 1000;
        clock.advance(250);
        await node.rt.rooms.round();
      }
      throw new Error('the two visitors were not admitted');
    }

    /** 60 a minute, at most 2 sessions of 10 minutes: full once two are in. */
    const fullRoom = async (): Promise<{ id: string; untilEnd: number }> => {
      const id = await createRoom(node.app, {
        newPerMinute: 60,
        maxActive: 2,
        sessionSeconds: 600,
        idleSeconds: 86_400,
      });
      return { id, untilEnd: await twoAdmitted(id) };
    };

    it('a join answers and stores the wait for a session to end, as its first status read quotes it', async () => {
      const { id, untilEnd } = await fullRoom();
      assert.ok(untilEnd > 590, `the first session ends in ${untilEnd} s`);

      const plain = await joinRoom(node.app, id);
      assert.equal(plain.status, 'waiting');
      assert.equal(plain.position, 1);
      assert.deepEqual(plain.eta, { lowSeconds: Math.floor(untilEnd), highSeconds: Math.ceil(untilEnd) + 1 });
      const plainNow = await read(plain);
      assert.deepEqual(plainNow.etaAtJoin, plain.eta);
      assert.deepEqual(plainNow.eta, plain.eta);

      // A join with a key takes the store's other path; its replay quotes the same moment alike.
      const keyed = await joinKeyed(id, 'capped-room-keyed-join');
      assert.equal(keyed.status, 201);
      assert.equal(keyed.body.position, 2);
      assert.ok(keyed.body.eta.lowSeconds >= Math.floor(untilEnd), JSON.stringify(keyed.body.eta));
      const keyedNow = await read(keyed.body);
      assert.deepEqual(keyedNow.etaAtJoin, keyed.body.eta);
      assert.deepEqual(keyedNow.eta, keyed.body.eta);
      const replay = await joinKeyed(id, 'capped-room-keyed-join');
      assert.equal(replay.status, 200);
      assert.deepEqual(replay.body.eta, keyed.body.eta);
    });

    it('every view of the queue quotes a new joiner the wait for a session to end', async () => {
      const { id, untilEnd } = await fullRoom();
      const expected = { lowSeconds: Math.floor(untilEnd), highSeconds: Math.ceil(untilEnd) + 1 };
      assert.deepEqual((await listed(id)).estimatedWait, expected);
      assert.deepEqual((await req(node.app, 'GET', `/api/queues/${id}`)).body.estimatedWait, expected);
      assert.deepEqual((await req(node.app, 'GET', `/api/queues/${id}`, { key: true })).body.estimatedWait, expected);
      assert.deepEqual((await req(node.app, 'GET', `/api/queues/${id}/board`)).body.estimatedWait, expected);
      const patched = await req(node.app, 'PATCH', `/api/queues/${id}`, { key: true, body: { name: 'Launch day' } });
      assert.equal(patched.status, 200);
      assert.deepEqual(patched.body.estimatedWait, expected);
      // The join page's boot data is the public view.
      const page = await node.app.inject({ method: 'GET', url: `/q/${id}` });
      assert.ok(page.body.includes(JSON.stringify(expected)), 'the join page shows the wait for a session to end');
    });

    it('a room without a cap quotes from its rate alone, in the views and at join', async () => {
      const id = await createRoom(node.app, { newPerMinute: 60, sessionSeconds: 600, idleSeconds: 86_400 });
      await twoAdmitted(id);
      const byRate = { lowSeconds: 0, highSeconds: 2 };
      assert.deepEqual((await listed(id)).estimatedWait, byRate);
      assert.deepEqual((await req(node.app, 'GET', `/api/queues/${id}`)).body.estimatedWait, byRate);
      const joined = await joinRoom(node.app, id);
      assert.equal(joined.status, 'waiting');
      assert.deepEqual(joined.eta, byRate);
      assert.deepEqual((await read(joined)).etaAtJoin, byRate);
    });

    it('a service queue quotes the new joiner what the join then stores and answers', async () => {
      const created = await req(node.app, 'POST', '/api/queues', {
        key: true,
        body: { name: 'Desk', mode: 'service' },
      });
      const id = created.body.id as string;
      await joinRoom(node.app, id);
      await joinRoom(node.app, id);
      const quoted = (await listed(id)).estimatedWait;
      assert.deepEqual((await req(node.app, 'GET', `/api/queues/${id}`)).body.estimatedWait, quoted);
      const third = await joinRoom(node.app, id);
      assert.equal(third.position, 3);
      assert.deepEqual(third.eta, quoted);
      const thirdNow = await read(third);
      assert.deepEqual(thirdNow.etaAtJoin, quoted);
      assert.deepEqual(thirdNow.eta, quoted);
    });
  });
}

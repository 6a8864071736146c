import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { COMBOS } from '../support/harness.js';
import { createRoom, joinRoom, req, suiteRoomNode, testClock } from './support.js';

const START = '2026-03-02T09:00:00.000Z';

/** The waiting-room estimate against the real admission rounds: a full cap and a paused room. */
for (const combo of COMBOS) {
  describe(`waiting-room estimate (${combo.name})`, { skip: combo.skip }, () => {
    const clock = testClock(START);
    const node = suiteRoomNode(combo, clock.now);
    const read = async (t: { id: string; token: string }) =>
      (await req(node.app, 'GET', `/api/tickets/${t.id}`, { token: t.token })).body;
    /** Admission rounds every 250 ms of the test's clock until `done`; the seconds that took. */
    const roundsUntil = async (done: () => Promise<boolean>, limitMs: number): Promise<number> => {
      const from = clock.now().getTime();
      while (!(await done())) {
        assert.ok(clock.now().getTime() - from < limitMs, 'not admitted in time');
        clock.advance(250);
        await node.rt.rooms.round();
      }
      return (clock.now().getTime() - from) / 1000;
    };

    it('a full room quotes the wait for a session to end, and the real wait falls inside it', async () => {
      const id = await createRoom(node.app, {
        newPerMinute: 60,
        maxActive: 2,
        sessionSeconds: 60,
        idleSeconds: 86_400,
      });
      const [first, second, third, fourth] = [
        await joinRoom(node.app, id),
        await joinRoom(node.app, id),
        await joinRoom(node.app, id),
        await joinRoom(node.app, id),
      ];
      await roundsUntil(async () => (await read(second)).status === 'admitted', 5000);
      const ends = [(await read(first)).admittedUntil, (await read(second)).admittedUntil].map(Date.parse);
      const untilEnd = (ends[0]! - clock.now().getTime()) / 1000;
      assert.ok(untilEnd > 55, `the first session ends in ${untilEnd} s`);

      const third0 = await read(third);
      assert.equal(third0.status, 'waiting');
      assert.equal(third0.position, 1);
      // Nobody is admitted before the first session ends: at most one interval after it.
      assert.deepEqual(third0.eta, { lowSeconds: Math.floor(untilEnd), highSeconds: Math.ceil(untilEnd) + 1 });
      const fourth0 = await read(fourth);
      assert.ok(fourth0.eta.lowSeconds >= Math.floor(untilEnd), JSON.stringify(fourth0.eta));
      // A new joiner would be third in line: after a session the room is about to open ends too.
      const pub = (await req(node.app, 'GET', `/api/queues/${id}`)).body;
      assert.ok(pub.estimatedWait.lowSeconds >= 60 + Math.floor(untilEnd), JSON.stringify(pub.estimatedWait));

      const waited3 = await roundsUntil(async () => (await read(third)).status === 'admitted', 90_000);
      assert.ok(waited3 >= third0.eta.lowSeconds && waited3 <= third0.eta.highSeconds, `third waited ${waited3} s`);
      const waited4 = waited3 + (await roundsUntil(async () => (await read(fourth)).status === 'admitted', 90_000));
      assert.ok(waited4 >= fourth0.eta.lowSeconds && waited4 <= fourth0.eta.highSeconds, `fourth waited ${waited4} s`);
      assert.equal((await req(node.app, 'DELETE', `/api/queues/${id}`, { key: true })).status, 204);
    });

    it('a paused room gives no estimate while nobody is admitted, and one again once resumed', async () => {
      const id = await createRoom(node.app, { newPerMinute: 60, idleSeconds: 86_400 });
      await joinRoom(node.app, id);
      await req(node.app, 'PATCH', `/api/queues/${id}`, { key: true, body: { status: 'paused' } });
      const waiting = await joinRoom(node.app, id);
      assert.equal(waiting.status, 'waiting');
      assert.equal(waiting.eta, null);
      clock.advance(10_000);
      for (let i = 0; i < 8; i++) await node.rt.rooms.round();
      const still = await read(waiting);
      assert.equal(still.status, 'waiting');
      assert.equal(still.position, 1);
      assert.equal(still.eta, null);
      assert.equal((await req(node.app, 'GET', `/api/queues/${id}`)).body.estimatedWait, null);

      await req(node.app, 'PATCH', `/api/queues/${id}`, { key: true, body: { status: 'open' } });
      clock.advance(2000);
      assert.deepEqual((await read(waiting)).eta, { lowSeconds: 0, highSeconds: 2 });
      await roundsUntil(async () => (await read(waiting)).status === 'admitted', 3000);
      assert.equal((await req(node.app, 'DELETE', `/api/queues/${id}`, { key: true })).status, 204);
    });
  });
}

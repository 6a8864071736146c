import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { COMBOS } from '../support/harness.js';
import { createRoom, joinRoom, req, suiteRoomNode, testClock } from './support.js';

const START = '2026-03-02T09:00:00.000Z';

for (const combo of COMBOS) {
  describe(`waiting-room admission (${combo.name})`, { skip: combo.skip }, () => {
    const clock = testClock(START);
    const node = suiteRoomNode(combo, clock.now);
    /** Runs admission rounds as the scheduler does (every 250 ms), or every `stepMs` of the test's clock. */
    const runFor = async (ms: number, each?: () => Promise<void>, stepMs = 250) => {
      for (let t = 0; t < ms; t += stepMs) {
        clock.advance(stepMs);
        await node.rt.rooms.round();
        if (each) await each();
      }
    };
    const admittedIn = async (id: string) =>
      (await node.rt.store.listTickets(id, { status: 'admitted', limit: 1000 })).items;

    it('fills in admission defaults, merges partial patches and names a bad field', async () => {
      const id = await createRoom(node.app, { newPerMinute: 5 });
      const q = await req(node.app, 'GET', `/api/queues/${id}`, { key: true });
      assert.deepEqual(q.body.settings.admission, {
        newPerMinute: 5,
        maxActive: null,
        sessionSeconds: 300,
        method: 'fifo',
        opensAt: null,
        idleSeconds: 300,
        siteUrl: null,
      });
      const p = await req(node.app, 'PATCH', `/api/queues/${id}`, {
        key: true,
        body: { settings: { admission: { maxActive: 2 } } },
      });
      assert.equal(p.status, 200);
      assert.equal(p.body.settings.admission.newPerMinute, 5);
      assert.equal(p.body.settings.admission.maxActive, 2);
      for (const [field, value] of [
        ['newPerMinute', 0],
        ['method', 'lottery'],
        ['idleSeconds', -1],
        ['opensAt', 'tomorrow'],
        ['siteUrl', 'javascript:alert(1)'],
        ['siteUrl', 'ftp://files.example.test/'],
      ] as const) {
        const bad = await req(node.app, 'PATCH', `/api/queues/${id}`, {
          key: true,
          body: { settings: { admission: { [field]: value } } },
        });
        assert.equal(bad.status, 400);
        assert.equal(bad.body.error.code, 'validation_failed');
        assert.match(bad.body.error.message, new RegExp(field));
      }
      const still = await req(node.app, 'GET', `/api/queues/${id}`, { key: true });
      assert.deepEqual(still.body.settings.admission, p.body.settings.admission);
    });

    it('admits at the configured rate over ten simulated minutes, in order, nobody twice', async () => {
      const id = await createRoom(node.app, { newPerMinute: 60, idleSeconds: 86_400, opensAt: '2026-03-02T09:01:00Z' });
      // The line before the doors open, 50 at a time: the join batcher commits each 50 in one
      // transaction, numbered in this order, instead of 700 one by one (13 s of the file on PostgreSQL).
      for (let i = 0; i < 700; i += 50)
        await Promise.all(Array.from({ length: 50 }, () => node.rt.service.join(id, {}, null)));
      clock.advance(60_000);
      // Rounds every half second: a late round catches up on the credit it missed.
      await runFor(600_000, undefined, 500);
      const items = await admittedIn(id);
      const admitted = items.length;
      // 60 a minute for 10 minutes is 600, within 2 %.
      assert.ok(Math.abs(admitted - 600) <= 12, `admitted ${admitted}`);
      const byTime = [...items].sort((a, b) => a.calledAt!.getTime() - b.calledAt!.getTime() || a.number - b.number);
      assert.deepEqual(
        byTime.map((t) => t.number),
        Array.from({ length: admitted }, (_, i) => i + 1),
      );
      // Evenly spread: no second admits more than the bucket allows.
      const perSecond = new Map<number, number>();
      for (const t of items) {
        const s = Math.floor(t.calledAt!.getTime() / 1000);
        perSecond.set(s, (perSecond.get(s) ?? 0) + 1);
      }
      assert.ok(Math.max(...perSecond.values()) <= 2);
      assert.equal((await req(node.app, 'DELETE', `/api/queues/${id}`, { key: true })).status, 204);
    });

    it('keeps the rate when rounds run a second late, as on a node busy with a surge of joins', async () => {
      const id = await createRoom(node.app, { newPerMinute: 600, idleSeconds: 86_400 });
      for (let i = 0; i < 300; i++) await node.rt.service.join(id, {}, null);
      const before = (await admittedIn(id)).length;
      await runFor(20_000, undefined, 1000);
      // 600 a minute for 20 s is 200; one round's worth either way.
      const admitted = (await admittedIn(id)).length - before;
      assert.ok(Math.abs(admitted - 200) <= 10, `admitted ${admitted}`);
      // After a long pause the room goes back to its rate: at most two seconds' worth at once.
      clock.advance(60_000);
      const burst = await node.rt.rooms.round();
      assert.equal(burst.admitted, 20);
      assert.equal((await req(node.app, 'DELETE', `/api/queues/${id}`, { key: true })).status, 204);
    });

    it('never has more active sessions than maxActive, and fills freed places', async () => {
      const id = await createRoom(node.app, {
        newPerMinute: 600,
        maxActive: 3,
        sessionSeconds: 10,
        idleSeconds: 86_400,
      });
      for (let i = 0; i < 40; i++) await node.rt.service.join(id, {}, null);
      let peak = 0;
      await runFor(60_000, async () => {
        peak = Math.max(peak, await node.rt.store.waitingRooms.activeSessions(id, clock.now()));
      });
      const admitted = (await admittedIn(id)).length;
      assert.equal(peak, 3);
      // Three places, each freed every 10 s: 3 + 3 × 5 in the minute (the first three came at once).
      assert.ok(admitted >= 15 && admitted <= 21, `admitted ${admitted}`);
      // Ending a session early frees its place for the next visitor at once.
      const active = (await admittedIn(id)).filter((t) => t.admittedUntil! > clock.now());
      assert.equal(active.length, 3);
      const ended = await req(node.app, 'POST', `/api/tickets/${active[0]!.id}/end`, { key: true });
      assert.equal(ended.status, 200);
      assert.equal(await node.rt.store.waitingRooms.activeSessions(id, clock.now()), 2);
      await node.rt.rooms.round();
      assert.equal(await node.rt.store.waitingRooms.activeSessions(id, clock.now()), 3);
      assert.equal((await req(node.app, 'POST', `/api/tickets/${active[0]!.id}/end`, { key: true })).status, 409);
      assert.equal((await req(node.app, 'DELETE', `/api/queues/${id}`, { key: true })).status, 204);
    });

    it('expires visitors who stop polling, and they never hold admission up', async () => {
      const id = await createRoom(node.app, {
        newPerMinute: 1,
        idleSeconds: 3,
        opensAt: new Date(clock.now().getTime() + 3_600_000).toISOString(),
      });
      const gone = await joinRoom(node.app, id);
      const polling = await joinRoom(node.app, id);
      for (let s = 0; s < 5; s++) {
        clock.advance(1000);
        const r = await req(node.app, 'GET', `/api/tickets/${polling.id}`, { token: polling.token });
        assert.equal(r.status, 200);
        await node.rt.rooms.round();
      }
      const g = await req(node.app, 'GET', `/api/tickets/${gone.id}`, { token: gone.token });
      assert.equal(g.body.status, 'expired');
      let p = await req(node.app, 'GET', `/api/tickets/${polling.id}`, { token: polling.token });
      assert.equal(p.body.status, 'waiting');
      assert.equal(p.body.position, 1);
      await req(node.app, 'PATCH', `/api/queues/${id}`, {
        key: true,
        body: { settings: { admission: { opensAt: null } } },
      });
      await node.rt.rooms.round();
      p = await req(node.app, 'GET', `/api/tickets/${polling.id}`, { token: polling.token });
      assert.equal(p.body.status, 'admitted');
    });

    it('admits a new visitor at once when rate and cap leave room; the next waits with an ETA from the rate', async () => {
      const id = await createRoom(node.app, { newPerMinute: 2, maxActive: 10 });
      const first = await joinRoom(node.app, id);
      assert.equal(first.status, 'admitted');
      assert.equal(typeof first.pass, 'string');
      assert.equal(first.admittedUntil, new Date(clock.now().getTime() + 300_000).toISOString());
      const second = await joinRoom(node.app, id);
      assert.equal(second.status, 'waiting');
      assert.deepEqual(second.eta, { lowSeconds: 0, highSeconds: 31 });
      const third = await joinRoom(node.app, id);
      assert.deepEqual(third.eta, { lowSeconds: 30, highSeconds: 61 });
      const pub = await req(node.app, 'GET', `/api/queues/${id}`);
      assert.equal(pub.body.waitingCount, 2);
      assert.deepEqual(pub.body.estimatedWait, { lowSeconds: 60, highSeconds: 91 }, 'a new joiner would be third');
    });

    it('counts the wait before opening down from the node clock, not the wall clock', async () => {
      // The test clock is months away from the wall clock, so a wait read from the wall clock is wrong.
      const opensAt = new Date(clock.now().getTime() + 600_000).toISOString();
      const id = await createRoom(node.app, { newPerMinute: 60, opensAt });
      const first = await joinRoom(node.app, id);
      assert.equal(first.status, 'waiting');
      assert.deepEqual(first.eta, { lowSeconds: 600, highSeconds: 602 });
      assert.deepEqual((await req(node.app, 'GET', `/api/queues/${id}`)).body.estimatedWait, {
        lowSeconds: 601,
        highSeconds: 603,
      });
      clock.advance(240_000);
      const later = await req(node.app, 'GET', `/api/tickets/${first.id}`, { token: first.token });
      assert.deepEqual(later.body.eta, { lowSeconds: 360, highSeconds: 362 });
      const listed = await req(node.app, 'GET', `/api/queues/${id}/tickets?status=waiting`, { key: true });
      assert.deepEqual(listed.body.items[0].eta, { lowSeconds: 360, highSeconds: 362 });
    });

    it('passthrough admits at once and reject refuses joins', async () => {
      const id = await createRoom(node.app, { method: 'passthrough', maxActive: 2 });
      const got = [await joinRoom(node.app, id), await joinRoom(node.app, id), await joinRoom(node.app, id)];
      assert.deepEqual(
        got.map((t) => t.status),
        ['admitted', 'admitted', 'waiting'],
      );
      await req(node.app, 'PATCH', `/api/queues/${id}`, {
        key: true,
        body: { settings: { admission: { method: 'reject' } } },
      });
      clock.advance(2000);
      const r = await req(node.app, 'POST', `/api/queues/${id}/tickets`, { body: {} });
      assert.equal(r.status, 409);
      assert.equal(r.body.error.code, 'queue_closed');
    });
  });
}

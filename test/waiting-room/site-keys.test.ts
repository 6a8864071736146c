import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { COMBOS } from '../support/harness.js';
import { createRoom, joinRoom, req, suiteRoomNode, testClock } from './support.js';

/** A request carrying `key` as its bearer key (the helpers in support.ts only send the master key). */
async function as(
  app: FastifyInstance,
  key: string,
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  url: string,
  body?: unknown,
): Promise<{ status: number; body: any }> {
  const r = await app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${key}` },
    ...(body !== undefined ? { payload: body as object } : {}),
  });
  return { status: r.statusCode, body: r.body ? JSON.parse(r.body) : null };
}

for (const combo of COMBOS) {
  describe(`a protected site's own key (${combo.name})`, { skip: combo.skip }, () => {
    const clock = testClock('2026-03-02T09:00:00.000Z');
    const node = suiteRoomNode(combo, clock.now);
    const verify = async (pass: string) =>
      (await req(node.app, 'POST', '/api/passes/verify', { body: { pass } })).body.valid as boolean;
    const siteKey = async (queueId: string) => {
      const r = await req(node.app, 'POST', '/api/keys', { key: true, body: { role: 'site', name: 'shop', queueId } });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      return r.body;
    };

    it('is created for one waiting room and listed with it', async () => {
      const room = await createRoom(node.app, {});
      const k = await siteKey(room);
      assert.equal(k.role, 'site');
      assert.equal(k.queueId, room);
      assert.match(k.key, /^qk_/);
      const list = await req(node.app, 'GET', '/api/keys', { key: true });
      const listed = list.body.items.find((x: any) => x.id === k.id);
      assert.deepEqual(
        { role: listed.role, queueId: listed.queueId, key: listed.key },
        {
          role: 'site',
          queueId: room,
          key: undefined,
        },
      );
    });

    it('refuses a site key without a waiting room, and a room on another role, creating nothing', async () => {
      const room = await createRoom(node.app, {});
      const service = await req(node.app, 'POST', '/api/queues', {
        key: true,
        body: { name: 'Desk', mode: 'service' },
      });
      const before = (await req(node.app, 'GET', '/api/keys', { key: true })).body.items.length;
      for (const body of [
        { role: 'site', name: 'shop' },
        { role: 'site', name: 'shop', queueId: service.body.id },
        { role: 'site', name: 'shop', queueId: 'q_nosuchroom' },
        { role: 'operator', name: 'desk', queueId: room },
      ]) {
        const r = await req(node.app, 'POST', '/api/keys', { key: true, body });
        assert.equal(r.status, 400, JSON.stringify(body));
        assert.equal(r.body.error.code, 'validation_failed');
        assert.match(r.body.error.message, /queueId/);
      }
      assert.equal((await req(node.app, 'GET', '/api/keys', { key: true })).body.items.length, before);
    });

    it("ends a session of its own room, but not another room's", async () => {
      const room = await createRoom(node.app, { sessionSeconds: 300 });
      const other = await createRoom(node.app, { sessionSeconds: 300 });
      const { key } = await siteKey(room);
      const mine = await joinRoom(node.app, room);
      const theirs = await joinRoom(node.app, other);
      assert.equal(mine.status, 'admitted');
      assert.equal(theirs.status, 'admitted');

      const ended = await as(node.app, key, 'POST', `/api/tickets/${mine.id}/end`);
      assert.equal(ended.status, 200, JSON.stringify(ended.body));
      assert.equal(await verify(mine.pass), false);

      const refused = await as(node.app, key, 'POST', `/api/tickets/${theirs.id}/end`);
      assert.equal(refused.status, 403);
      assert.equal(refused.body.error.code, 'forbidden');
      assert.equal(await verify(theirs.pass), true, 'the other room’s session is untouched');
      // An unknown ticket is refused alike: the key learns nothing about tickets outside its room.
      assert.equal((await as(node.app, key, 'POST', '/api/tickets/t_nosuchticket/end')).status, 403);
    });

    it('checks passes but is refused by the operator and admin routes', async () => {
      const room = await createRoom(node.app, {});
      const { key } = await siteKey(room);
      const t = await joinRoom(node.app, room);
      assert.equal((await as(node.app, key, 'POST', '/api/passes/verify', { pass: t.pass })).body.valid, true);
      const nginx = await node.app.inject({
        method: 'GET',
        url: `/api/passes/verify?queue=${room}`,
        headers: { authorization: `Bearer ${key}`, 'x-queue-pass': t.pass },
      });
      assert.equal(nginx.statusCode, 204);

      const denied: [string, string, unknown?][] = [
        ['GET', '/api/queues'],
        ['PATCH', `/api/queues/${room}`, { name: 'Taken over' }],
        ['POST', `/api/queues/${room}/call-next`, {}],
        ['GET', `/api/queues/${room}/tickets`],
        ['GET', '/api/whoami'],
        ['GET', '/api/keys'],
        ['POST', '/api/keys', { role: 'admin', name: 'escalate' }],
        ['GET', '/api/maintenance/schedule'],
      ];
      for (const [method, url, body] of denied) {
        const r = await as(node.app, key, method as 'GET', url, body);
        assert.equal(r.status, 403, `${method} ${url}: ${JSON.stringify(r.body)}`);
        assert.equal(r.body.error.code, 'forbidden');
      }
      // Where a key only widens a public answer, a site key gets the public one.
      const q = await as(node.app, key, 'GET', `/api/queues/${room}`);
      assert.equal(q.status, 200);
      assert.equal(q.body.settings, undefined);
      const high = await as(node.app, key, 'POST', `/api/queues/${room}/tickets`, { priority: 'high' });
      assert.equal(high.status, 403);
      assert.equal((await req(node.app, 'GET', `/api/queues/${room}`, { key: true })).body.name, 'Launch');
    });
  });
}

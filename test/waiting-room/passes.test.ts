import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { COMBOS } from '../support/harness.js';
import { createRoom, joinRoom, PUBLIC_URL, req, suiteRoomNode, testClock } from './support.js';

for (const combo of COMBOS) {
  describe(`waiting-room passes and draws (${combo.name})`, { skip: combo.skip }, () => {
    const clock = testClock('2026-03-02T09:00:00.000Z');
    const node = suiteRoomNode(combo, clock.now);
    const jwks = async () => createLocalJWKSet((await req(node.app, 'GET', '/.well-known/jwks.json')).body);
    const check = async (pass: string) => (await req(node.app, 'POST', '/api/passes/verify', { body: { pass } })).body;

    it('signs an ES256 pass that jose verifies against the published keys', async () => {
      const id = await createRoom(node.app, { sessionSeconds: 120 });
      const t = await joinRoom(node.app, id);
      assert.equal(t.status, 'admitted');
      const header = decodeProtectedHeader(t.pass);
      assert.equal(header.alg, 'ES256');
      assert.equal(typeof header.kid, 'string');
      const { payload } = await jwtVerify(t.pass, await jwks(), {
        issuer: PUBLIC_URL,
        audience: id,
        currentDate: clock.now(),
      });
      assert.equal(payload.sub, t.id);
      assert.equal(payload.iat, Math.floor(clock.now().getTime() / 1000));
      assert.equal(payload.exp, Math.floor(Date.parse(t.admittedUntil) / 1000));
      assert.deepEqual(await check(t.pass), { valid: true, queueId: id, ticketId: t.id, expiresAt: t.admittedUntil });
      const view = await req(node.app, 'GET', `/api/tickets/${t.id}`, { token: t.token });
      assert.equal(view.body.pass, t.pass);
    });

    it('refuses a tampered pass, an expired one, and one whose session was ended', async () => {
      const id = await createRoom(node.app, { sessionSeconds: 60 });
      const t = await joinRoom(node.app, id);
      const [h, p, sig] = t.pass.split('.');
      const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
      const forged = `${h}.${Buffer.from(JSON.stringify({ ...claims, exp: claims.exp + 3600 })).toString('base64url')}.${sig}`;
      await assert.rejects(jwtVerify(forged, await jwks(), { issuer: PUBLIC_URL, currentDate: clock.now() }));
      assert.equal((await check(forged)).valid, false);
      assert.equal((await check('not-a-jwt')).valid, false);

      // Renewal moves the end of the session and gives a new pass; the old one still runs to its own end.
      clock.advance(30_000);
      const renewed = await req(node.app, 'POST', `/api/tickets/${t.id}/renew`, { token: t.token });
      assert.equal(renewed.status, 200);
      assert.equal(renewed.body.admittedUntil, new Date(clock.now().getTime() + 60_000).toISOString());
      assert.notEqual(renewed.body.pass, t.pass);
      assert.equal((await req(node.app, 'POST', `/api/tickets/${t.id}/renew`, { token: 'wrong' })).status, 404);

      clock.advance(31_000);
      await assert.rejects(jwtVerify(t.pass, await jwks(), { issuer: PUBLIC_URL, currentDate: clock.now() }));
      assert.equal((await check(t.pass)).valid, false);
      assert.equal((await check(renewed.body.pass)).valid, true);

      const ended = await req(node.app, 'POST', `/api/tickets/${t.id}/end`, { key: true });
      assert.equal(ended.status, 200);
      assert.equal((await check(renewed.body.pass)).valid, false);
      assert.equal((await req(node.app, 'POST', `/api/tickets/${t.id}/renew`, { token: t.token })).status, 409);
      assert.equal((await req(node.app, 'POST', `/api/tickets/${t.id}/end`, {})).status, 401);
    });

    it('rotates keys and keeps a retired key published until its passes expired', async () => {
      const id = await createRoom(node.app, { sessionSeconds: 600 });
      const before = await joinRoom(node.app, id);
      const oldKid = decodeProtectedHeader(before.pass).kid;
      clock.advance(25 * 3_600_000);
      const later = await joinRoom(node.app, id);
      const newKid = decodeProtectedHeader(later.pass).kid;
      assert.notEqual(newKid, oldKid);
      const kids = (await req(node.app, 'GET', '/.well-known/jwks.json')).body.keys.map((k: { kid: string }) => k.kid);
      assert.ok(kids.includes(oldKid) && kids.includes(newKid));
      assert.equal((await check(later.pass)).valid, true);
      clock.advance(48 * 3_600_000);
      const after = (await req(node.app, 'GET', '/.well-known/jwks.json')).body.keys.map((k: { kid: string }) => k.kid);
      assert.ok(!after.includes(oldKid));
    });

    it('publishes a commitment before the draw and a seed after, and the order follows HMAC(seed, id)', async () => {
      const opensAt = new Date(clock.now().getTime() + 60_000).toISOString();
      const id = await createRoom(node.app, { method: 'random', opensAt, newPerMinute: 60, idleSeconds: 86_400 });
      const joined = [];
      for (let i = 0; i < 8; i++) joined.push(await joinRoom(node.app, id));
      const before = (await req(node.app, 'GET', `/api/queues/${id}/draw`)).body;
      assert.match(before.commitment, /^[0-9a-f]{64}$/);
      assert.equal(before.seed, null);
      clock.advance(60_000);
      await node.rt.rooms.round();
      const drawn = (await req(node.app, 'GET', `/api/queues/${id}/draw`)).body;
      assert.equal(drawn.commitment, before.commitment);
      assert.equal(createHash('sha256').update(drawn.seed).digest('hex'), drawn.commitment);
      assert.equal(drawn.drawnCount, 8);
      const expected = joined
        .map((t) => ({ id: t.id, key: createHmac('sha256', drawn.seed).update(t.id).digest('hex') }))
        .sort((x, y) => (x.key < y.key ? -1 : 1))
        .map((t) => t.id);
      const positions = [];
      for (const t of joined) {
        const v = (await req(node.app, 'GET', `/api/tickets/${t.id}`, { token: t.token })).body;
        positions.push({ id: t.id, at: v.status === 'admitted' ? 0 : v.position });
      }
      positions.sort((x, y) => x.at - y.at);
      assert.deepEqual(
        positions.map((p) => p.id),
        expected,
      );
    });
  });
}

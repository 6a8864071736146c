import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { passOf, siteGuard, type SiteGuard } from '../../src/site-guard/index.js';
import { COMBOS, freePort } from '../support/harness.js';
import { createRoom, joinRoom, req, suiteRoomNode, testClock } from '../waiting-room/support.js';

/** A protected page answers who came in; the guard decides who gets that far. */
const page = (req: IncomingMessage, res: ServerResponse) =>
  res.writeHead(200, { 'content-type': 'text/plain' }).end(`welcome ${passOf(req)?.ticketId ?? 'nobody'}`);

async function listen(listener: RequestListener): Promise<{ url: string; server: Server }> {
  const server = createServer(listener);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

/** The flavours a site can use, each serving `page` behind the guard. */
const FLAVOURS: Record<string, (g: SiteGuard) => Promise<{ url: string; close(): Promise<unknown> }>> = {
  'Node http': async (g) => {
    const { url, server } = await listen(g.node(page));
    return { url, close: () => new Promise((r) => server.close(r)) };
  },
  // Express and Connect call middleware as (req, res, next); this is that chain, without Express.
  'Express-style middleware': async (g) => {
    const { url, server } = await listen((req, res) => g.middleware(req, res, () => page(req, res)));
    return { url, close: () => new Promise((r) => server.close(r)) };
  },
  'Fastify hook': async (g) => {
    const app: FastifyInstance = Fastify();
    app.addHook('onRequest', g.fastify);
    app.get('/*', async (request, reply) => reply.type('text/plain').send(`welcome ${passOf(request.raw)?.ticketId}`));
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    return { url, close: () => app.close() };
  },
};

const get = (url: string, cookie?: string) =>
  fetch(url, { redirect: 'manual', ...(cookie ? { headers: { cookie } } : {}) });

for (const combo of COMBOS) {
  describe(`site guard against a real queuekeeper (${combo.name})`, { skip: combo.skip }, () => {
    const clock = testClock('2026-03-02T09:00:00.000Z');
    const node = suiteRoomNode(combo, clock.now, { listen: true });
    /** A plain Node site guarded for `queueId` of this node; other options as the test says. */
    const nodeSite = (queueId: string, opts: { jwksUrl?: string; queueUrl?: string } = {}) =>
      FLAVOURS['Node http']!(siteGuard({ queueUrl: node.url, queueId, now: clock.now, ...opts }));

    for (const [flavour, start] of Object.entries(FLAVOURS)) {
      it(`${flavour}: sends a visitor without a pass to the join page, turns the pass into a cookie, lets the holder in`, async () => {
        const room = await createRoom(node.app, { sessionSeconds: 120 });
        const site = await start(siteGuard({ queueUrl: node.url, queueId: room, now: clock.now }));
        try {
          const away = await get(`${site.url}/shop`);
          assert.equal(away.status, 302);
          assert.equal(away.headers.get('location'), `${node.url}/q/${room}`);

          const t = await joinRoom(node.app, room);
          const back = await get(`${site.url}/shop?item=7&qk_pass=${t.pass}`);
          assert.equal(back.status, 303);
          assert.equal(back.headers.get('location'), '/shop?item=7');
          const setCookie = back.headers.get('set-cookie') ?? '';
          assert.match(setCookie, /^qk_pass=[^;]+; Path=\/; Max-Age=120; HttpOnly; SameSite=Lax$/);
          const cookie = setCookie.split(';')[0]!;

          const inside = await get(`${site.url}/shop?item=7`, cookie);
          assert.equal(inside.status, 200);
          assert.equal(await inside.text(), `welcome ${t.id}`);
        } finally {
          await site.close();
        }
      });
    }

    it('refuses a tampered pass, a pass of another room and an expired one, allowing 30 s of clock skew', async () => {
      const room = await createRoom(node.app, { sessionSeconds: 60 });
      const other = await createRoom(node.app, {});
      const site = await nodeSite(room);
      try {
        const t = await joinRoom(node.app, room);
        const [h, p, s] = t.pass.split('.');
        const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
        const forged = `${h}.${Buffer.from(JSON.stringify({ ...claims, sub: 't_someone_else' })).toString('base64url')}.${s}`;
        const elsewhere = await joinRoom(node.app, other);
        for (const bad of [forged, elsewhere.pass, 'not-a-jwt']) {
          const r = await get(`${site.url}/`, `qk_pass=${bad}`);
          assert.equal(r.status, 302, bad);
          assert.equal(r.headers.get('location'), `${node.url}/q/${room}`);
        }
        assert.equal((await get(`${site.url}/`, `qk_pass=${t.pass}`)).status, 200);
        clock.advance(60_000 + 29_000);
        assert.equal((await get(`${site.url}/`, `qk_pass=${t.pass}`)).status, 200, 'within the skew allowed');
        clock.advance(2_000);
        assert.equal((await get(`${site.url}/`, `qk_pass=${t.pass}`)).status, 302, 'expired');
      } finally {
        await site.close();
      }
    });

    it('fetches the keys once and checks later visits offline', async () => {
      const room = await createRoom(node.app, { method: 'passthrough' });
      let fetched = 0;
      // The keys reached by an inside address, counted on the way.
      const inside = createServer(async (rq, rs) => {
        fetched++;
        const r = await fetch(`${node.url}${rq.url}`);
        rs.writeHead(r.status, { 'content-type': 'application/json' }).end(await r.text());
      });
      await new Promise<void>((r) => inside.listen(0, '127.0.0.1', r));
      const jwksUrl = `http://127.0.0.1:${(inside.address() as AddressInfo).port}/.well-known/jwks.json`;
      const site = await nodeSite(room, { jwksUrl });
      try {
        for (let i = 0; i < 5; i++) {
          const t = await joinRoom(node.app, room);
          assert.equal((await get(`${site.url}/`, `qk_pass=${t.pass}`)).status, 200);
        }
        assert.equal(fetched, 1);
      } finally {
        await site.close();
        await new Promise((r) => inside.close(r));
      }
    });

    it('answers 503, not the join page, while the keys cannot be fetched', async () => {
      const room = await createRoom(node.app, {});
      const t = await joinRoom(node.app, room);
      const nowhere = `http://127.0.0.1:${await freePort()}`;
      const site = await nodeSite(room, { queueUrl: nowhere });
      try {
        const r = await get(`${site.url}/`, `qk_pass=${t.pass}`);
        assert.equal(r.status, 503);
        assert.equal(r.headers.get('retry-after'), '5');
      } finally {
        await site.close();
      }
    });

    it('a proxy answering 502 for the keys gives 503 too; keys fetched before keep checking passes', async () => {
      const room = await createRoom(node.app, { method: 'passthrough' });
      let broken = false;
      const inside = createServer(async (rq, rs) => {
        if (broken) return void rs.writeHead(502).end('bad gateway');
        const r = await fetch(`${node.url}${rq.url}`);
        rs.writeHead(r.status, { 'content-type': 'application/json' }).end(await r.text());
      });
      await new Promise<void>((r) => inside.listen(0, '127.0.0.1', r));
      const jwksUrl = `http://127.0.0.1:${(inside.address() as AddressInfo).port}/.well-known/jwks.json`;
      const first = await nodeSite(room, { jwksUrl });
      const second = await nodeSite(room, { jwksUrl });
      try {
        const t = await joinRoom(node.app, room);
        assert.equal((await get(`${first.url}/`, `qk_pass=${t.pass}`)).status, 200);
        broken = true;
        assert.equal((await get(`${first.url}/`, `qk_pass=${t.pass}`)).status, 200, 'the keys it holds');
        const r = await get(`${second.url}/`, `qk_pass=${t.pass}`);
        assert.equal(r.status, 503, 'no keys yet: not a reason to send the visitor to the back');
      } finally {
        await first.close();
        await second.close();
        await new Promise((r) => inside.close(r));
      }
    });

    for (const flavour of ['Node http', 'Express-style middleware']) {
      it(`${flavour}: a cookie that does not decode goes to the join page and the site stays up; the pass redirect stays on the site`, async () => {
        const room = await createRoom(node.app, { method: 'passthrough' });
        const site = await FLAVOURS[flavour]!(siteGuard({ queueUrl: node.url, queueId: room, now: clock.now }));
        try {
          const odd = await get(`${site.url}/`, 'qk_pass=%E0%A4%A');
          assert.equal(odd.status, 302);
          assert.equal(odd.headers.get('location'), `${node.url}/q/${room}`);
          const t = await joinRoom(node.app, room);
          const back = await get(`${site.url}//evil.example/phish?qk_pass=${t.pass}`);
          assert.equal(back.status, 303);
          assert.equal(back.headers.get('location'), '/evil.example/phish', 'a path on this site, never another host');
          assert.equal((await get(`${site.url}/`, `qk_pass=${t.pass}`)).status, 200, 'still serving');
        } finally {
          await site.close();
        }
      });
    }

    it('GET /api/passes/verify answers a proxy sub-request: 204 for a live pass of the room, 401 otherwise', async () => {
      const room = await createRoom(node.app, {});
      const other = await createRoom(node.app, {});
      const t = await joinRoom(node.app, room);
      const verify = (queue: string, pass?: string) =>
        fetch(`${node.url}/api/passes/verify?queue=${queue}`, pass ? { headers: { 'x-queue-pass': pass } } : {});
      assert.equal((await verify(room, t.pass)).status, 204);
      const none = await verify(room);
      assert.equal(none.status, 401);
      assert.equal(((await none.json()) as any).error.code, 'unauthorized');
      assert.equal((await verify(other, t.pass)).status, 401);
      assert.equal((await verify(room, `${t.pass}x`)).status, 401);
      const missing = await fetch(`${node.url}/api/passes/verify`, { headers: { 'x-queue-pass': t.pass } });
      assert.equal(missing.status, 400);
      assert.equal(((await missing.json()) as any).error.code, 'validation_failed');
      assert.equal((await req(node.app, 'POST', `/api/tickets/${t.id}/end`, { key: true })).status, 200);
      assert.equal((await verify(room, t.pass)).status, 401, 'a session ended early');
    });
  });
}

import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import { call, COMBOS, type Isolation, startNode } from '../support/harness.js';
import { createQueue, join } from './helpers.js';

/**
 * The status poll answered before routing (src/http/status-fast-path.ts) must be the route's own
 * answer: same status, headers and body, counted and logged the same. Only the embedded backend
 * keeps a status cache, so only there can the fast path answer. A hook added here counts the
 * requests Fastify routes: a poll the fast path answered never reaches it.
 */

const embedded = COMBOS[0] as (typeof COMBOS)[number];

/**
 * A node whose log lines land in `lines`, with a hook counting the requests Fastify routes. The
 * trusted proxy hop lets tests name client addresses; three wrong tokens block an address.
 */
async function startApp(iso: Isolation, extra: Record<string, string>, lines: string[]) {
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  const routed = { count: 0 };
  const node = await startNode(
    iso.env,
    { QK_TRUST_PROXY: '1', QK_TOKEN_GUESS_LIMIT: '3', ...extra },
    {
      logger: pino({ level: 'info' }, sink),
      beforeListen: (app) =>
        app.addHook('onRequest', (_req, _reply, done) => {
          routed.count++;
          done();
        }),
    },
  );
  return {
    base: node.url,
    routed,
    rt: node.rt,
    /** Status polls answered 200, as the request counter has them. */
    polls: async (): Promise<number> => {
      const { values } = await node.rt.metrics.httpRequests.get();
      const v = values.find((x) => x.labels.route === '/api/tickets/:ticketId' && x.labels.status === 200);
      return v?.value ?? 0;
    },
    close: () => node.close(),
  };
}

/** Status, headers without the date, and body of a raw GET. */
async function rawGet(base: string, path: string, headers: Record<string, string>) {
  const res = await fetch(`${base}${path}`, { headers });
  const h = Object.fromEntries([...res.headers].filter(([k]) => k !== 'date'));
  return { status: res.status, headers: h, body: await res.text() };
}

describe(`${embedded.name}: status poll before routing`, { skip: embedded.skip }, () => {
  let iso: Isolation;
  let app: Awaited<ReturnType<typeof startApp>>;
  const lines: string[] = [];

  before(async () => {
    iso = embedded.isolate();
    app = await startApp(iso, {}, lines);
  });
  after(async () => {
    await app?.close();
    await iso?.cleanup();
  });

  test('a cached poll skips the router and answers exactly what the route answers', async () => {
    const q = await createQueue(app.base);
    await join(app.base, q.id);
    const t = await join(app.base, q.id);
    const headers = { 'x-ticket-token': t.token };
    // The first poll verifies the token against the stored hash and fills the cache.
    const first = await rawGet(app.base, `/api/tickets/${t.id}`, headers);
    assert.equal(first.status, 200);
    const before = app.routed.count;
    const fast = await rawGet(app.base, `/api/tickets/${t.id}`, headers);
    assert.equal(app.routed.count, before, 'the cached poll was answered before routing');
    // A query string sends the same poll through the router (the route answers it from the cache too).
    const routed = await rawGet(app.base, `/api/tickets/${t.id}?via=route`, headers);
    assert.equal(app.routed.count, before + 1);
    assert.deepEqual(fast, routed);
    assert.deepEqual(fast, first);
    assert.equal(JSON.parse(fast.body).position, 2);
    assert.equal(fast.headers['x-content-type-options'], 'nosniff', 'the security headers are there');
  });

  test('the fast answers are counted in the metrics and logged like the route’s', async () => {
    const q = await createQueue(app.base);
    const t = await join(app.base, q.id);
    const headers = { 'x-ticket-token': t.token, 'x-forwarded-for': '203.0.113.9', 'user-agent': 'phone' };
    await rawGet(app.base, `/api/tickets/${t.id}`, headers);
    const c0 = await app.polls();
    const routed0 = app.routed.count;
    const seen = lines.length;
    for (let i = 0; i < 5; i++) assert.equal((await rawGet(app.base, `/api/tickets/${t.id}`, headers)).status, 200);
    assert.equal(app.routed.count, routed0, 'no poll was routed');
    assert.equal((await app.polls()) - c0, 5);
    const logged = lines
      .slice(seen)
      .map((l) => JSON.parse(l))
      .filter((l) => l.route === '/api/tickets/:ticketId');
    assert.equal(logged.length, 5);
    for (const l of logged) {
      assert.equal(l.msg, 'request completed');
      assert.deepEqual(l.req, { method: 'GET', url: `/api/tickets/${t.id}`, remoteAddress: '203.0.113.9' });
      assert.deepEqual(l.res, { statusCode: 200 });
      assert.match(l.reqId, /^req-[0-9a-z]+$/);
    }
    assert.equal(new Set(logged.map((l) => l.reqId)).size, 5, 'request ids do not repeat');
  });

  test('a wrong token, a change and a leave are never answered from the cache', async () => {
    const q = await createQueue(app.base);
    const t = await join(app.base, q.id);
    const headers = { 'x-ticket-token': t.token };
    assert.equal((await rawGet(app.base, `/api/tickets/${t.id}`, headers)).status, 200);
    const wrong = await rawGet(app.base, `/api/tickets/${t.id}`, { 'x-ticket-token': `${t.token.slice(0, -1)}x` });
    assert.equal(wrong.status, 404);
    const called = await call(app.base, 'POST', `/api/queues/${q.id}/call-next`, { body: {} });
    assert.equal(called.status, 200);
    const after = await rawGet(app.base, `/api/tickets/${t.id}`, headers);
    assert.equal(after.status, 200);
    assert.equal(JSON.parse(after.body).status, 'called');
    assert.equal(JSON.parse(after.body).position, null);
    const other = await join(app.base, q.id);
    const mine = { 'x-ticket-token': other.token };
    assert.equal((await rawGet(app.base, `/api/tickets/${other.id}`, mine)).status, 200);
    const left = await call(app.base, 'DELETE', `/api/tickets/${other.id}`, { key: null, headers: mine });
    assert.equal(left.status, 200);
    assert.equal(JSON.parse((await rawGet(app.base, `/api/tickets/${other.id}`, mine)).body).status, 'left');
    const routed = app.routed.count;
    const head = await fetch(`${app.base}/api/tickets/${t.id}`, { method: 'HEAD', headers });
    assert.equal(head.status, 200);
    assert.equal(app.routed.count, routed + 1, 'HEAD goes to the route, which answers it');
  });

  test('an address blocked for guessing is refused even with the right token; other addresses keep the fast answer', async () => {
    const q = await createQueue(app.base);
    const t = await join(app.base, q.id);
    const as = (ip: string, token: string) => ({ 'x-ticket-token': token, 'x-forwarded-for': ip });
    assert.equal((await rawGet(app.base, `/api/tickets/${t.id}`, as('198.51.100.1', t.token))).status, 200);
    let last = 0;
    for (let i = 0; i < 4 && last !== 429; i++)
      last = (await rawGet(app.base, `/api/tickets/${t.id}`, as('198.51.100.66', 'wrong-token'))).status;
    assert.equal(last, 429, 'the guesser is blocked');
    const guesser = await rawGet(app.base, `/api/tickets/${t.id}`, as('198.51.100.66', t.token));
    assert.equal(guesser.status, 429, 'a right token from a blocked address is refused too');
    const routed = app.routed.count;
    const owner = await rawGet(app.base, `/api/tickets/${t.id}`, as('198.51.100.1', t.token));
    assert.equal(owner.status, 200);
    assert.equal(app.routed.count, routed, 'the owner’s poll was still answered before routing');
  });

  test('a fault in the cached answer goes to the route, which answers it, and the node keeps serving', async () => {
    const q = await createQueue(app.base);
    const t = await join(app.base, q.id);
    const headers = { 'x-ticket-token': t.token };
    assert.equal((await rawGet(app.base, `/api/tickets/${t.id}`, headers)).status, 200);
    const service = app.rt.service;
    const real = service.cachedTicket.bind(service);
    service.cachedTicket = () => {
      throw new Error('injected fault in the status cache');
    };
    try {
      const routed = app.routed.count;
      const r = await rawGet(app.base, `/api/tickets/${t.id}`, headers);
      assert.equal(app.routed.count, routed + 1, 'the route took the poll');
      assert.equal(r.status, 500);
      assert.equal(JSON.parse(r.body).error.code, 'internal');
    } finally {
      service.cachedTicket = real;
    }
    assert.equal((await rawGet(app.base, `/api/tickets/${t.id}`, headers)).status, 200, 'the node still answers');
  });
});

describe(`${embedded.name}: status poll with CORS origins configured`, { skip: embedded.skip }, () => {
  let iso: Isolation;
  let app: Awaited<ReturnType<typeof startApp>>;

  before(async () => {
    iso = embedded.isolate();
    app = await startApp(iso, { QK_CORS_ORIGINS: 'https://shop.example' }, []);
  });
  after(async () => {
    await app?.close();
    await iso?.cleanup();
  });

  test('every poll takes the route, which adds the CORS headers', async () => {
    const q = await createQueue(app.base);
    const t = await join(app.base, q.id);
    const headers = { 'x-ticket-token': t.token, origin: 'https://shop.example' };
    await rawGet(app.base, `/api/tickets/${t.id}`, headers);
    const before = app.routed.count;
    const r = await rawGet(app.base, `/api/tickets/${t.id}`, headers);
    assert.equal(app.routed.count, before + 1);
    assert.equal(r.headers['access-control-allow-origin'], 'https://shop.example');
  });
});

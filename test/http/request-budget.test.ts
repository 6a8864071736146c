import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { call, COMBOS, eventually, type Isolation, type Node, startNode, TcpProxy } from '../support/harness.js';
import { TEST_DATABASE_URL, TEST_REDIS_URL } from '../support/env.js';
import { assertError, createQueue, join, listAll } from './helpers.js';

/**
 * The overall deadline of a request (QK_REQUEST_BUDGET_MS). Each dependency call has its own
 * deadline, longer here than the budget, so which one answered shows in the error's dependency:
 * a read is refused by its budget, a join whose write committed is answered as the success it is,
 * whatever its budget says.
 */
const BUDGET_MS = 1000;
const shared = COMBOS.find((c) => c.name.includes('Redis'));

describe('the request budget, PostgreSQL + Redis behind a proxy', { skip: shared?.skip ?? 'no shared combo' }, () => {
  let iso: Isolation;
  let node: Node;
  const pg = TcpProxy.forUrl(TEST_DATABASE_URL || 'postgres://127.0.0.1:5432', 5432);
  const redis = TcpProxy.forUrl(TEST_REDIS_URL || 'redis://127.0.0.1:6379', 6379);
  before(async () => {
    iso = (shared as NonNullable<typeof shared>).isolate();
    await pg.start();
    await redis.start();
    node = await startNode(
      {
        ...iso.env,
        DATABASE_URL: pg.urlFor(iso.env.DATABASE_URL as string),
        REDIS_URL: redis.urlFor(iso.env.REDIS_URL as string),
      },
      { QK_REQUEST_BUDGET_MS: String(BUDGET_MS) },
    );
  });
  after(async () => {
    await node?.close();
    await pg.stop();
    await redis.stop();
    await iso?.cleanup();
  });

  const ticketOf = (t: { id: string; token: string }) =>
    call(node.url, 'GET', `/api/tickets/${t.id}`, { key: null, headers: { 'x-ticket-token': t.token } });

  test('a read that waits on a silent database is refused by its budget, before the query deadline', async () => {
    const q = (await createQueue(node.url)).id;
    const t = await join(node.url, q);
    pg.blackHole();
    try {
      const r = await ticketOf(t);
      assertError(r, 503, 'unavailable', 'read during the black hole');
      assert.ok(Number(r.headers.get('retry-after')) > 0);
      assert.equal(r.body.error.details?.dependency, 'request budget');
    } finally {
      pg.heal();
    }
    await eventually(async () => assert.equal((await ticketOf(t)).status, 200), 20_000, 100);
  });

  test('a join whose commit went through is answered 201 even when Redis outlasts the budget', async () => {
    const q = (await createQueue(node.url)).id;
    redis.blackHole();
    let r: Awaited<ReturnType<typeof call>>;
    try {
      r = await call(node.url, 'POST', `/api/queues/${q}/tickets`, { body: {}, key: null });
    } finally {
      redis.heal();
    }
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.position, 1);
    const waiting = await eventually(async () => {
      const all = await listAll(node.url, q, 'waiting');
      assert.equal(all.length, 1);
      return all;
    });
    assert.equal(waiting[0].id, r.body.id);
  });
});

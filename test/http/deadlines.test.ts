import assert from 'node:assert/strict';
import { join as joinPath } from 'node:path';
import { before, describe, test } from 'node:test';
import { openDatabase } from '../../src/store/sqlite/driver.js';
import { COMBOS, eventually, MASTER_KEY, startNode, TcpProxy } from '../support/harness.js';
import { suiteProxiedNode } from '../support/proxied-node.js';
import { assertError, createQueue, join, stateOf } from './helpers.js';

/**
 * Every database and Redis call has a deadline (issue 11.4). A dependency that keeps the link
 * open but never answers (a black hole, played by the test's own proxy) costs a request a few
 * seconds and a 503 `unavailable` with Retry-After, never the whole outage; the node keeps serving
 * what does not need the silent dependency, and heals by itself. The only time bound asserted is
 * a generous one per request, well past the deadlines and well short of a hung request.
 */

const BOUND_MS = 10_000;

interface Answer {
  status: number | 'no answer';
  body: any;
  retryAfter: string | null;
}

/** One request that gives up (and says so) after BOUND_MS. */
async function ask(
  base: string,
  method: string,
  path: string,
  opts: { body?: unknown; key?: string | null; token?: string } = {},
): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (opts.key !== null) headers.authorization = `Bearer ${opts.key ?? MASTER_KEY}`;
  if (opts.token) headers['x-ticket-token'] = opts.token;
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  try {
    const res = await fetch(`${base}${path}`, {
      method,
      headers,
      ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
      signal: AbortSignal.timeout(BOUND_MS),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null, retryAfter: res.headers.get('retry-after') };
  } catch {
    return { status: 'no answer', body: null, retryAfter: null };
  }
}

function assertUnavailable(r: Answer, dependency: string, what: string): void {
  assert.notEqual(r.status, 'no answer', `${what}: no answer within ${BOUND_MS} ms`);
  assertError(r as { status: number; body: any }, 503, 'unavailable', what);
  assert.ok(Number(r.retryAfter) > 0, `${what}: Retry-After`);
  assert.equal(r.body.error.details?.dependency, dependency, what);
}

for (const combo of COMBOS) {
  describe(`${combo.name}: deadlines`, { skip: combo.skip }, () => {
    if (!combo.name.includes('Redis')) {
      test("another process's write lock: writes answer 503 with Retry-After, reads go on", async () => {
        const iso = combo.isolate();
        const node = await startNode(iso.env);
        const other = openDatabase(joinPath(iso.env.QK_DATA_DIR as string, 'queuekeeper.db'));
        try {
          const q = (await createQueue(node.url)).id;
          const before = await stateOf(node.url);
          other.exec('BEGIN IMMEDIATE');
          const r = await ask(node.url, 'POST', `/api/queues/${q}/tickets`, { body: {}, key: null });
          assertUnavailable(r, 'database', 'join while another process holds the write lock');
          const read = await ask(node.url, 'GET', `/api/queues/${q}`, { key: null });
          assert.equal(read.status, 200, 'a read does not need the write lock');
          other.exec('ROLLBACK');
          assert.equal(await stateOf(node.url), before, 'the refused join changed nothing');
          assert.equal((await join(node.url, q)).position, 1);
        } finally {
          if (other.inTransaction) other.exec('ROLLBACK');
          other.close();
          await node.close();
          await iso.cleanup();
        }
      });
      return;
    }

    const node = suiteProxiedNode(combo);
    const { pg, redis } = node;
    let q = '';
    let t = { id: '', token: '' };
    before(async () => {
      q = (await createQueue(node.url)).id;
      t = await join(node.url, q);
    });

    const ready = () => ask(node.url, 'GET', '/health/ready', { key: null });
    const ticket = () => ask(node.url, 'GET', `/api/tickets/${t.id}`, { key: null, token: t.token });

    /** Lifts the black hole and waits until the node answers normally again. */
    const heal = async (proxy: TcpProxy) => {
      proxy.heal();
      await eventually(async () => assert.equal((await ready()).status, 200), 20_000, 100);
      await eventually(async () => assert.equal((await ticket()).status, 200), 20_000, 100);
    };

    test('PostgreSQL black hole: 503 with Retry-After in bounded time, ready names the database, heals', async () => {
      const before = await stateOf(node.url);
      pg.blackHole();
      try {
        // More requests at once than the pool has clients, so some wait for a client that never frees.
        const calls = Array.from({ length: 4 }, () => [
          ticket(),
          ask(node.url, 'POST', `/api/queues/${q}/tickets`, { body: {}, key: null }),
          ask(node.url, 'GET', '/api/queues'),
          ask(node.url, 'POST', '/api/queues', { body: { name: 'x', mode: 'service' } }),
        ]).flat();
        const live = await ask(node.url, 'GET', '/health/live', { key: null });
        assert.equal(live.status, 200, 'the process answers while its database is silent');
        const r = await ready();
        assert.equal(r.status, 503, JSON.stringify(r.body));
        assert.deepEqual(r.body.failed, ['database']);
        assert.equal(r.body.checks.redis.status, 'ok');
        assert.ok(Number(r.retryAfter) > 0, 'ready 503 has Retry-After');
        const answers = await Promise.all(calls);
        answers.forEach((a, i) => assertUnavailable(a, 'database', `call ${i} while PostgreSQL is silent`));
        assertUnavailable(await ticket(), 'database', 'a later read, while still silent');
      } finally {
        await heal(pg);
      }
      assert.equal(await stateOf(node.url), before, 'the failed calls changed nothing');
      assert.equal((await join(node.url, q)).position, 2);
    });

    test('Redis black hole: 503 with Retry-After in bounded time, database-only calls go on, heals', async () => {
      const qs = await ask(node.url, 'GET', '/api/queues');
      redis.blackHole();
      try {
        const waiting = Array.from({ length: 6 }, () =>
          ask(node.url, 'GET', `/api/queues/${q}/tickets?status=waiting`),
        );
        const list = await ask(node.url, 'GET', '/api/queues');
        assert.equal(list.status, 200, 'a call that needs only the database is served');
        assert.deepEqual(list.body, qs.body);
        const r = await ready();
        assert.equal(r.status, 503, JSON.stringify(r.body));
        assert.deepEqual(r.body.failed, ['redis']);
        assert.equal(r.body.checks.database.status, 'ok');
        for (const [i, a] of (await Promise.all(waiting)).entries())
          assertUnavailable(a, 'redis', `positions ${i} while Redis is silent`);
        assertUnavailable(
          await ask(node.url, 'GET', `/api/queues/${q}/tickets?status=waiting`),
          'redis',
          'a later read, while still silent',
        );
      } finally {
        await heal(redis);
      }
      const after = await ask(node.url, 'GET', `/api/queues/${q}/tickets?status=waiting`);
      assert.equal(after.status, 200);
      assert.deepEqual(
        after.body.items.map((x: any) => x.position),
        after.body.items.map((_: unknown, i: number) => i + 1),
      );
    });
  });
}

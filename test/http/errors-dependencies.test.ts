import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { call, COMBOS, eventually, sleep, spawnServer, startNode, TcpProxy } from '../support/harness.js';
import { TEST_DATABASE_URL } from '../support/env.js';
import { suiteProxiedNode } from '../support/proxied-node.js';
import { assertError, createQueue, getTicket, join, listAll, stateOf } from './helpers.js';

/**
 * Dependency failure (docs/errors.md, `unavailable`): a node whose PostgreSQL or Redis becomes unreachable answers
 * 503 `unavailable` with Retry-After, /health/ready says which dependency failed, and the node
 * recovers by itself. The outage is played with a TCP proxy the test owns, never by stopping the
 * shared servers.
 */

function assertUnavailable(r: { status: number; body: any; headers: Headers }, dependency: string, what: string): void {
  assertError(r, 503, 'unavailable', what);
  assert.ok(Number(r.headers.get('retry-after')) > 0, `${what}: Retry-After`);
  if (r.body.error.details) assert.equal(r.body.error.details.dependency, dependency, what);
}

const ready = (base: string) => call(base, 'GET', '/health/ready', { key: null });

for (const combo of COMBOS) {
  const shared = combo.name.includes('Redis');
  describe(combo.name, { skip: combo.skip }, () => {
    describe('dependency failure', () => {
      if (!shared) {
        test('/health/ready is 200 with the embedded database', async () => {
          const iso = combo.isolate();
          const node = await startNode(iso.env);
          try {
            const r = await ready(node.url);
            assert.equal(r.status, 200);
            assert.equal(r.body.status, 'ok');
            assert.deepEqual(r.body.failed, []);
            assert.equal(r.body.checks.database.status, 'ok');
            assert.equal(r.body.checks.redis.status, 'not_configured');
            assert.equal((await call(node.url, 'GET', '/health/live', { key: null })).status, 200);
          } finally {
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

      /** Cuts `proxy`; checks ready and some calls while it is cut; restores it and waits for recovery. */
      const outage = async (proxy: TcpProxy, dep: 'database' | 'redis') => {
        await proxy.stop();
        const r = await eventually(async () => {
          const x = await ready(node.url);
          assert.equal(x.status, 503, JSON.stringify(x.body));
          return x;
        });
        assert.deepEqual(r.body.failed, [dep]);
        assert.equal(r.body.checks[dep].status, 'failed');
        assert.ok(Number(r.headers.get('retry-after')) > 0, 'ready 503 has Retry-After');
        assert.equal((await call(node.url, 'GET', '/health/live', { key: null })).status, 200);
        const ticket = await eventually(async () => {
          const x = await getTicket(node.url, t.id, t.token);
          assert.equal(x.status, 503);
          return x;
        });
        assertUnavailable(ticket, dep, 'ticket during the outage');
        if (dep === 'database') {
          assertUnavailable(await call(node.url, 'GET', '/api/queues'), dep, 'list queues');
          assertUnavailable(
            await call(node.url, 'POST', `/api/queues/${q}/tickets`, { body: {}, key: null }),
            dep,
            'join',
          );
          assertUnavailable(
            await call(node.url, 'POST', '/api/queues', { body: { name: 'x', mode: 'service' } }),
            dep,
            'create queue',
          );
        } else {
          assertUnavailable(
            await call(node.url, 'GET', `/api/queues/${q}/tickets?status=waiting`),
            dep,
            'list waiting tickets',
          );
        }
        const started = performance.now();
        await proxy.start();
        await eventually(async () => assert.equal((await ready(node.url)).status, 200), 20_000, 100);
        await eventually(async () => assert.equal((await getTicket(node.url, t.id, t.token)).status, 200), 20_000, 100);
        console.log(
          `[outage] ${dep}: node answered again ${(performance.now() - started).toFixed(0)} ms after the connection was restored`,
        );
      };

      test('PostgreSQL unreachable: 503 unavailable with Retry-After, ready names the database, recovers by itself', async () => {
        const before = await stateOf(node.url);
        await outage(pg, 'database');
        assert.equal(await stateOf(node.url), before, 'the failed calls changed nothing');
        assert.equal((await join(node.url, q)).position, 2);
      });

      test('Redis unreachable: 503 unavailable, ready names redis, recovers by itself', async () => {
        const before = await stateOf(node.url);
        await outage(redis, 'redis');
        assert.equal(await stateOf(node.url), before, 'the failed calls changed nothing');
        const waiting = await listAll(node.url, q, 'waiting');
        assert.deepEqual(
          waiting.map((w) => w.position),
          waiting.map((_, i) => i + 1),
        );
      });

      /** A write that commits to the database but cannot reach Redis must not leave the index wrong for good. */
      const afterRedisBlip = async (during: (queueId: string) => Promise<{ status: number; body: any }>) => {
        const qid = (await createQueue(node.url)).id;
        for (let i = 0; i < 3; i++) await join(node.url, qid);
        await redis.stop();
        await eventually(async () => assert.equal((await ready(node.url)).status, 503));
        const r = await during(qid);
        assert.ok([200, 201, 503].includes(r.status), `during the Redis outage: ${r.status} ${JSON.stringify(r.body)}`);
        await redis.start();
        await eventually(async () => assert.equal((await ready(node.url)).status, 200), 20_000, 100);
        // The node may take a moment to repair its index; then every position must be exact again.
        await eventually(
          async () => {
            const waiting = await listAll(node.url, qid, 'waiting');
            assert.deepEqual(
              waiting.map((w) => w.position),
              waiting.map((_, i) => i + 1),
            );
            assert.equal((await call(node.url, 'GET', `/api/queues/${qid}`)).body.waitingCount, waiting.length);
          },
          15_000,
          250,
        );
      };

      test('a join that reaches the database but not Redis leaves positions exact once Redis is back', () =>
        afterRedisBlip((qid) => call(node.url, 'POST', `/api/queues/${qid}/tickets`, { body: {}, key: null })));

      test('a call-next that reaches the database but not Redis leaves positions exact once Redis is back', () =>
        afterRedisBlip((qid) => call(node.url, 'POST', `/api/queues/${qid}/call-next`, { body: {} })));
    });

    describe('losing PostgreSQL under load (real server process)', { skip: shared ? false : 'PostgreSQL only' }, () => {
      test('the server keeps running, answers 503 while cut and recovers by itself', async () => {
        const iso = combo.isolate();
        const pg = TcpProxy.forUrl(TEST_DATABASE_URL || 'postgres://127.0.0.1:5432', 5432);
        await pg.start();
        const server = await spawnServer({ ...iso.env, DATABASE_URL: pg.urlFor(iso.env.DATABASE_URL as string) });
        try {
          const qid = (await createQueue(server.url)).id;
          const statuses: Record<string, number> = {};
          const acked = new Set<string>();
          let stop = false;
          // Joins in flight all the time, so the cut lands in the middle of queries.
          const load = Promise.all(
            Array.from({ length: 8 }, async () => {
              while (!stop) {
                const s = await call(server.url, 'POST', `/api/queues/${qid}/tickets`, { body: {}, key: null }).then(
                  (r) => {
                    if (r.status === 201) acked.add(r.body.id);
                    return String(r.status);
                  },
                  () => 'no answer',
                );
                statuses[s] = (statuses[s] ?? 0) + 1;
              }
            }),
          );
          await sleep(300);
          await pg.stop();
          await sleep(800);
          const during = await ready(server.url).catch(() => null);
          await pg.start();
          await sleep(1500);
          stop = true;
          await load;
          const alive = await Promise.race([server.exited.then(() => false), sleep(50).then(() => true)]);
          console.log(
            `[outage] real server, joins in flight while PostgreSQL was cut for 800 ms: ${JSON.stringify(statuses)}; alive afterwards: ${alive}`,
          );
          assert.ok(alive, `the server process died when PostgreSQL went away:\n${server.output().slice(-3000)}`);
          assert.equal(during?.status, 503);
          assert.deepEqual(during?.body.failed, ['database']);
          assert.equal(statuses['500'], undefined, 'no 500 while PostgreSQL was away');
          await eventually(async () => assert.equal((await ready(server.url)).status, 200), 20_000, 200);
          // A batch cut during its commit may have committed unacknowledged tickets the index never
          // heard of; the queue is reconciled within the watcher's interval, and until then its
          // listing answers 503 rather than wrong positions.
          const waiting = await eventually(() => listAll(server.url, qid, 'waiting'), 5_000, 200);
          const ids = new Set(waiting.map((w) => w.id));
          assert.deepEqual(
            [...acked].filter((id) => !ids.has(id)),
            [],
            'every acknowledged join is waiting',
          );
          assert.deepEqual(
            waiting.map((w) => w.position),
            waiting.map((_, i) => i + 1),
          );
        } finally {
          await server.stop();
          await pg.stop();
          await iso.cleanup();
        }
      });
    });
  });
}

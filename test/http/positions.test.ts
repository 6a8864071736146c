import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { call, COMBOS, type Isolation, MASTER_KEY, type Node, startNode } from '../support/harness.js';
import { TEST_REDIS_URL } from '../support/env.js';
import { createQueue, getTicket, type Joined, leave, listAll } from './helpers.js';

/**
 * Positions are exact (contract §3: waiting tickets ahead + 1) under concurrent joins and leaves,
 * across nodes sharing Redis, and after the live index is lost and rebuilt from the database.
 */

/** Runs `fn` over `items` with at most `width` in flight. */
async function pool<T, R>(items: readonly T[], width: number, fn: (t: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i] as T, i);
      }
    }),
  );
  return out;
}

async function joinVia(base: string, queueId: string, high: boolean): Promise<Joined> {
  const r = await call(
    base,
    'POST',
    `/api/queues/${queueId}/tickets`,
    high ? { body: { priority: 'high' } } : { body: {}, key: null },
  );
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body as Joined;
}

/**
 * The waiting list (paged) must be the calling order with positions exactly 1..n, and every
 * waiting ticket's own view, asked on every node, must give the same position.
 */
async function assertExactPositions(
  bases: readonly string[],
  queueId: string,
  expectedWaiting: ReadonlyMap<string, Joined>,
  label: string,
): Promise<void> {
  const waiting = await listAll(bases[0] as string, queueId, 'waiting', 37);
  assert.equal(waiting.length, expectedWaiting.size, `${label}: waiting count`);
  assert.equal(new Set(waiting.map((t) => t.id)).size, waiting.length, `${label}: duplicates in the list`);
  for (const t of waiting) assert.ok(expectedWaiting.has(t.id), `${label}: unexpected waiting ticket ${t.id}`);
  assert.deepEqual(
    waiting.map((t) => t.position),
    waiting.map((_, i) => i + 1),
    `${label}: list positions are not exactly 1..n`,
  );
  // Calling order: high priority first, then by join order (numbers grow with joins here).
  for (let i = 1; i < waiting.length; i++) {
    const [a, b] = [waiting[i - 1], waiting[i]];
    const ok = a.priority === b.priority ? a.number < b.number : a.priority === 'high';
    assert.ok(ok, `${label}: #${a.number}(${a.priority}) before #${b.number}(${b.priority})`);
  }
  for (const base of bases) {
    const seen = await pool(
      waiting,
      32,
      async (t) => (await getTicket(base, t.id, (expectedWaiting.get(t.id) as Joined).token)).body,
    );
    seen.forEach((v, i) =>
      assert.equal(v.position, i + 1, `${label}: ${base} says #${v.number} is at ${v.position}, rank ${i + 1}`),
    );
  }
  assert.equal((await call(bases[0] as string, 'GET', `/api/queues/${queueId}`)).body.waitingCount, waiting.length);
}

/** Every ticket's position as its owner sees it (null when not waiting). */
async function positionsOf(base: string, tickets: readonly Joined[]): Promise<Map<string, number | null>> {
  const views = await pool(tickets, 32, async (t) => {
    const r = await getTicket(base, t.id, t.token);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return [t.id, r.body.position] as const;
  });
  return new Map(views);
}

/** Joins `joins` tickets (every 10th high priority) and, concurrently, makes `leavers` leave. */
async function churn(
  bases: readonly string[],
  queueId: string,
  joins: number,
  leavers: readonly Joined[],
): Promise<Joined[]> {
  const js = Array.from({ length: joins }, (_, i) => joinVia(bases[i % bases.length] as string, queueId, i % 10 === 3));
  const ls = leavers.map(async (t, i) => {
    const r = await leave(bases[i % bases.length] as string, t.id, t.token);
    assert.equal(r.status, 200, JSON.stringify(r.body));
  });
  const [joined] = await Promise.all([Promise.all(js), Promise.all(ls)]);
  return joined;
}

for (const combo of COMBOS) {
  const shared = combo.name.includes('Redis');
  describe(combo.name, { skip: combo.skip }, () => {
    describe('positions under concurrent joins and leaves', () => {
      let iso: Isolation;
      let node: Node;
      before(async () => {
        iso = combo.isolate();
        node = await startNode(iso.env);
      });
      after(async () => {
        await node?.close();
        await iso?.cleanup();
      });

      test('200 concurrent joins, then 50 leaves racing 50 more joins: positions are exactly 1..n', async () => {
        const q = await createQueue(node.url);
        const first = await churn([node.url], q.id, 200, []);
        assert.equal(new Set(first.map((t) => t.number)).size, 200, 'ticket numbers are unique');
        const leavers = first.filter((_, i) => i % 4 === 1);
        const second = await churn([node.url], q.id, 50, leavers);
        const gone = new Set(leavers.map((t) => t.id));
        const waiting = new Map([...first, ...second].filter((t) => !gone.has(t.id)).map((t) => [t.id, t]));
        await assertExactPositions([node.url], q.id, waiting, 'one node');
        console.log(
          `[positions] ${combo.name}: 250 joins + 50 leaves concurrently on one node → ${waiting.size} waiting, positions exactly 1..${waiting.size}`,
        );
      });
    });

    describe(
      'positions across two nodes',
      { skip: shared ? false : 'one node only: the in-process index is not shared between nodes' },
      () => {
        let iso: Isolation;
        let a: Node;
        let b: Node;
        before(async () => {
          iso = combo.isolate();
          a = await startNode(iso.env);
          b = await startNode(iso.env);
        });
        after(async () => {
          await a?.close();
          await b?.close();
          await iso?.cleanup();
        });

        test('joins and leaves split between two nodes; both nodes agree on every position', async () => {
          const q = await createQueue(a.url);
          const first = await churn([a.url, b.url], q.id, 200, []);
          assert.equal(new Set(first.map((t) => t.number)).size, 200, 'ticket numbers are unique across nodes');
          const leavers = first.filter((_, i) => i % 4 === 2);
          const second = await churn([b.url, a.url], q.id, 50, leavers);
          const gone = new Set(leavers.map((t) => t.id));
          const waiting = new Map([...first, ...second].filter((t) => !gone.has(t.id)).map((t) => [t.id, t]));
          await assertExactPositions([a.url, b.url], q.id, waiting, 'two nodes');
          await assertExactPositions([b.url, a.url], q.id, waiting, 'two nodes (list from B)');
          console.log(
            `[positions] ${combo.name}: 250 joins + 50 leaves split over 2 nodes → ${waiting.size} waiting, both nodes report positions exactly 1..${waiting.size}`,
          );
        });
      },
    );

    describe('index rebuild after the live data is lost', () => {
      let iso: Isolation;
      let node: Node | undefined;
      let redis: Redis | undefined;
      let env: Record<string, string> = {};
      let db = -1;

      before(async () => {
        iso = combo.isolate();
        env = { ...iso.env };
        if (shared) {
          // A database index this test owns: prefer an empty one among 10..15, starting at random.
          const start = Math.floor(Math.random() * 6);
          for (let k = 0; k < 6 && db < 0; k++) {
            const candidate = 10 + ((start + k) % 6);
            const r = new Redis(TEST_REDIS_URL, { db: candidate, lazyConnect: true, maxRetriesPerRequest: 1 });
            await r.connect();
            if ((await r.dbsize()) === 0) {
              db = candidate;
              redis = r;
            } else r.disconnect();
          }
          if (db < 0) throw new Error('no empty Redis database among 10..15 to own for this test');
          const u = new URL(TEST_REDIS_URL);
          u.pathname = `/${db}`;
          env.REDIS_URL = u.toString();
        }
        node = await startNode(env);
      });
      after(async () => {
        await node?.close();
        if (redis) {
          // Only this test's keys (the node rebuilt them after the wipe); the database stays ours.
          const prefix = env.QK_REDIS_PREFIX as string;
          let cursor = '0';
          do {
            const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
            cursor = next;
            if (keys.length > 0) await redis.del(...keys);
          } while (cursor !== '0');
          redis.disconnect();
        }
        await iso?.cleanup();
      });

      test(
        shared
          ? 'FLUSHDB of the Redis database: the index is rebuilt by itself with identical positions'
          : 'a node restart rebuilds the in-process index with identical positions',
        async () => {
          let n = node as Node;
          const q1 = await createQueue(n.url);
          const q2 = await createQueue(n.url, { mode: 'waiting_room' });
          const tickets = [...(await churn([n.url], q1.id, 300, [])), ...(await churn([n.url], q2.id, 60, []))];
          tickets.push(
            ...(await churn(
              [n.url],
              q1.id,
              20,
              tickets.slice(0, 300).filter((_, i) => i % 7 === 0),
            )),
          );
          for (let i = 0; i < 5; i++)
            assert.equal((await call(n.url, 'POST', `/api/queues/${q2.id}/call-next`, { body: {} })).status, 200);
          const before = await positionsOf(n.url, tickets);
          const waitingBefore = [...before.values()].filter((p) => p !== null).length;

          const t0 = performance.now();
          const statuses = new Map<number, number>();
          let elapsed: number;
          if (shared) {
            assert.equal(await (redis as Redis).flushdb(), 'OK');
            assert.equal(await (redis as Redis).dbsize(), 0);
            const probe = tickets.find((t) => before.get(t.id) !== null) as Joined;
            for (;;) {
              const r = await getTicket(n.url, probe.id, probe.token);
              statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
              if (r.status === 200) break;
              assert.equal(r.status, 503, `while rebuilding: ${r.status} ${JSON.stringify(r.body)}`);
              assert.equal(r.body.error.code, 'unavailable');
              assert.ok(r.headers.get('retry-after'), 'Retry-After while the index rebuilds');
              assert.ok(performance.now() - t0 < 10_000, 'the index did not answer again within 10 s of the wipe');
              await new Promise((r) => setTimeout(r, 20));
            }
            elapsed = performance.now() - t0;
            // The rebuild is counted where operators watch for it.
            const metrics = await fetch(`${n.url}/metrics`, {
              headers: { authorization: `Bearer ${MASTER_KEY}` },
            }).then((r) => r.text());
            assert.match(metrics, /^qk_live_index_rebuilds_total [1-9]\d*$/m);
          } else {
            await n.close();
            node = n = await startNode(env);
            elapsed = performance.now() - t0;
          }
          const afterwards = await positionsOf(n.url, tickets);
          assert.deepEqual(afterwards, before);
          const how = shared
            ? `FLUSHDB on Redis db ${db}; first GET answered 200 again after ${elapsed.toFixed(0)} ms (responses while rebuilding: ${JSON.stringify(Object.fromEntries(statuses))})`
            : `node restart (close + start on the same data dir) took ${elapsed.toFixed(0)} ms`;
          console.log(
            `[rebuild] ${combo.name}: ${tickets.length} tickets (${waitingBefore} waiting in 2 queues); ${how}; all ${tickets.length} positions identical before and after`,
          );
        },
      );
    });
  });
}

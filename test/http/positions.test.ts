import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { call, COMBOS, type Isolation, MASTER_KEY, type Node, startNode, suiteNode } from '../support/harness.js';
import { TEST_REDIS_URL } from '../support/env.js';
import { createQueue, getTicket, type Joined, leave, listAll } from './helpers.js';

/**
 * Positions are exact (docs/api.md: waiting tickets ahead + 1) under concurrent joins and leaves,
 * across nodes sharing Redis, and after the live index is lost and rebuilt from the database.
 */

/** Keys in Redis database 0 by which test runs claim a database of their own for FLUSHDB. */
const LOCK_PREFIX = 'qk_test:flushdb-claim:';

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
      const node = suiteNode(combo);

      test('200 concurrent joins, then 50 leaves racing 50 more joins: positions are exactly 1..n', async () => {
        const q = await createQueue(node.url);
        const first = await churn([node.url], q.id, 200, []);
        assert.equal(new Set(first.map((t) => t.number)).size, 200, 'ticket numbers are unique');
        // Join positions are exact at commit: highs count 1..20, normals grow with commit order.
        const highs = first.filter((_, i) => i % 10 === 3).map((t) => t.position as number);
        assert.deepEqual(
          highs.sort((x, y) => x - y),
          Array.from({ length: 20 }, (_, i) => i + 1),
        );
        const normals = first.filter((_, i) => i % 10 !== 3).sort((x, y) => x.number - y.number);
        for (let i = 1; i < normals.length; i++)
          assert.ok((normals[i]?.position as number) > (normals[i - 1]?.position as number), 'normal join positions');
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

        test('concurrent joins on two nodes answer positions exact at commit: distinct and exactly 1..n per priority', async () => {
          const q = await createQueue(a.url);
          const nodes = [a.url, b.url];
          const burst = (n: number, high: boolean) =>
            Promise.all(Array.from({ length: n }, (_, i) => joinVia(nodes[i % 2] as string, q.id, high)));
          const upTo = (n: number) => Array.from({ length: n }, (_, i) => i + 1);
          const sorted = (ts: readonly Joined[]) => ts.map((t) => t.position as number).sort((x, y) => x - y);
          const normal = await burst(200, false);
          assert.deepEqual(sorted(normal), upTo(200), 'normal joins: positions are not exactly 1..200');
          // High priority goes ahead of every normal ticket: its own count starts at 1 again.
          const high = await burst(100, true);
          assert.deepEqual(sorted(high), upTo(100), 'high-priority joins: positions are not exactly 1..100');
          // Both at once: highs still count 1..n; a normal's position counts the highs committed
          // before it, so normals grow strictly with their commit order (their numbers).
          const mixed = await Promise.all(
            Array.from({ length: 200 }, (_, i) => joinVia(nodes[i % 2] as string, q.id, i % 4 === 0)),
          );
          const mixedHigh = mixed.filter((_, i) => i % 4 === 0);
          assert.deepEqual(sorted(mixedHigh), upTo(150).slice(100), 'mixed: high positions continue at 101..150');
          const byNumber = mixed.filter((_, i) => i % 4 !== 0).sort((x, y) => x.number - y.number);
          for (let i = 1; i < byNumber.length; i++)
            assert.ok(
              (byNumber[i]?.position as number) > (byNumber[i - 1]?.position as number),
              `mixed: normal #${byNumber[i]?.number} at ${byNumber[i]?.position} after #${byNumber[i - 1]?.number} at ${byNumber[i - 1]?.position}`,
            );
          const last = byNumber.at(-1)?.position as number;
          assert.ok(last >= 450 && last <= 500, `the last normal join counts 350 normals and 100..150 highs: ${last}`);
          console.log(
            `[positions] ${combo.name}: 500 concurrent joins over 2 nodes (200 normal, 100 high, 200 mixed): join positions exact at commit, no duplicate`,
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
      let lockClient: Redis | undefined;
      const lockToken = randomBytes(8).toString('hex');

      before(async () => {
        iso = combo.isolate();
        env = { ...iso.env };
        if (shared) {
          // A database index this test owns, claimed with SET NX in database 0 so that no other run
          // (of this file or another checkout) can take it while this one flushes it.
          lockClient = new Redis(TEST_REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
          await lockClient.connect();
          const start = Math.floor(Math.random() * 6);
          for (let k = 0; k < 6 && db < 0; k++) {
            const candidate = 10 + ((start + k) % 6);
            const claim = `${LOCK_PREFIX}${candidate}`;
            if ((await lockClient.set(claim, lockToken, 'PX', 600_000, 'NX')) !== 'OK') continue;
            const r = new Redis(TEST_REDIS_URL, { db: candidate, lazyConnect: true, maxRetriesPerRequest: 1 });
            await r.connect();
            // Not empty: someone uses it without a claim; leave it to them.
            if ((await r.dbsize()) === 0) {
              db = candidate;
              redis = r;
            } else {
              r.disconnect();
              await lockClient.del(claim);
            }
          }
          if (db < 0) throw new Error('no free Redis database among 10..15 to claim for this test');
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
        if (lockClient) {
          if ((await lockClient.get(`${LOCK_PREFIX}${db}`)) === lockToken) await lockClient.del(`${LOCK_PREFIX}${db}`);
          lockClient.disconnect();
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
            // The index answers as soon as the rebuild swapped it in; the watcher counts the rebuild
            // right after. Waiting for its turn to end makes the count's read deterministic.
            await n.rt.watcher.poke();
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

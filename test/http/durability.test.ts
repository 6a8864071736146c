import assert from 'node:assert/strict';
import http from 'node:http';
import { describe, test } from 'node:test';
import {
  call,
  COMBOS,
  eventually,
  freePort,
  MASTER_KEY,
  spawnServer,
  startNode,
  TcpProxy,
} from '../support/harness.js';
import { TEST_REDIS_URL } from '../support/env.js';
import { createQueue, getTicket, join, leave, listAll } from './helpers.js';

/**
 * kill -9 durability: a join is acknowledged (201) only after it is committed, so SIGKILL sent in
 * the same tick as the last 201 arrives loses none of them, and after a restart every acknowledged
 * ticket is waiting with an exact position.
 */

const TARGET = 400;
const WIDTH = 48;

interface Ack {
  id: string;
  token: string;
  high: boolean;
}

/**
 * Keeps WIDTH joins in flight and SIGKILLs the server synchronously in the 'end' handler of the
 * TARGET-th 201. 201s that were already on the wire are recorded too: they were sent before the kill.
 */
function joinUntilKilled(port: number, queueId: string, kill: () => void) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: WIDTH });
  const acks: Ack[] = [];
  const statuses: Record<string, number> = {};
  let sent = 0;
  let inFlight = 0;
  let killed = false;
  let killDelayMs = -1;
  let inFlightAtKill = 0;
  return new Promise<{
    acks: Ack[];
    statuses: Record<string, number>;
    sent: number;
    killDelayMs: number;
    inFlightAtKill: number;
  }>((resolve) => {
    const settle = (outcome: string) => {
      inFlight--;
      statuses[outcome] = (statuses[outcome] ?? 0) + 1;
      if (!killed) fire();
      if (inFlight === 0 && killed) {
        agent.destroy();
        resolve({ acks, statuses, sent, killDelayMs, inFlightAtKill });
      }
    };
    const fire = () => {
      const high = sent % 10 === 7;
      const body = JSON.stringify(high ? { priority: 'high' } : { name: `guest ${sent}` });
      sent++;
      inFlight++;
      const req = http.request(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: `/api/queues/${queueId}/tickets`,
          agent,
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            ...(high ? { authorization: `Bearer ${MASTER_KEY}` } : {}),
          },
        },
        (res) => {
          let data = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (data += c));
          res.on('end', () => {
            const at = performance.now();
            if (res.statusCode === 201) {
              if (!killed && acks.length + 1 >= TARGET) {
                // Same tick as the 201's last byte: nothing else runs between it and the kill.
                killed = true;
                // Measured up to the kill(2) call: the signal is queued there. The syscall's return
                // can be late on a busy machine (the dying process may take the CPU), which says
                // nothing about when the signal was sent.
                killDelayMs = performance.now() - at;
                kill();
                inFlightAtKill = inFlight - 1;
              }
              const t = JSON.parse(data) as { id: string; token: string };
              acks.push({ id: t.id, token: t.token, high });
            }
            settle(String(res.statusCode));
          });
          res.on('error', () => settle('response error'));
        },
      );
      req.on('error', () => settle('no answer'));
      req.end(body);
    };
    for (let i = 0; i < WIDTH; i++) fire();
  });
}

for (const combo of COMBOS) {
  describe(combo.name, { skip: combo.skip }, () => {
    describe('kill -9 durability', () => {
      test(`every join acknowledged before SIGKILL is there after a restart, waiting, with exact positions`, async () => {
        const iso = combo.isolate();
        const port = await freePort();
        let server = await spawnServer(iso.env, { port });
        try {
          const q = (await createQueue(server.url)).id;
          const victim = server;
          const run = await joinUntilKilled(port, q, () => victim.child.kill('SIGKILL'));
          const exit = await server.exited;
          assert.equal(exit.signal, 'SIGKILL');
          assert.ok(run.killDelayMs >= 0, 'the kill was sent from the handler of the last 201');

          server = await spawnServer(iso.env, { port });
          const waiting = await listAll(server.url, q, 'waiting', 97);
          const rank = new Map(waiting.map((t, i) => [t.id, i + 1]));
          const missing = run.acks.filter((a) => !rank.has(a.id));
          assert.deepEqual(
            missing.map((a) => a.id),
            [],
            `${missing.length} acknowledged tickets are missing or not waiting after the restart`,
          );
          assert.deepEqual(
            waiting.map((t) => t.position),
            waiting.map((_, i) => i + 1),
            'positions after the restart are not exactly 1..n',
          );
          for (let i = 1; i < waiting.length; i++) {
            const [a, b] = [waiting[i - 1], waiting[i]];
            assert.ok(
              a.priority === b.priority ? a.number < b.number : a.priority === 'high',
              `calling order broken at #${a.number}, #${b.number}`,
            );
          }
          let checked = 0;
          for (let i = 0; i < run.acks.length; i += 32) {
            await Promise.all(
              run.acks.slice(i, i + 32).map(async (a) => {
                const r = await getTicket(server.url, a.id, a.token);
                assert.equal(r.status, 200, JSON.stringify(r.body));
                assert.equal(r.body.status, 'waiting');
                assert.equal(r.body.position, rank.get(a.id));
                assert.equal(r.body.priority, a.high ? 'high' : 'normal');
                checked++;
              }),
            );
          }
          const queue = (await call(server.url, 'GET', `/api/queues/${q}`)).body;
          assert.equal(queue.waitingCount, waiting.length);
          const extra = waiting.length - run.acks.length;
          console.log(
            `[kill -9] ${combo.name}: ${run.sent} joins sent (${WIDTH} in flight), ${run.acks.length} acknowledged (201), SIGKILL sent ${run.killDelayMs.toFixed(3)} ms after the ${TARGET}th 201 was read with ${run.inFlightAtKill} joins still in flight; ` +
              `after restart: ${run.acks.length - missing.length}/${run.acks.length} acknowledged tickets found waiting with exact positions (checked ${checked} via the customer API), ` +
              `${extra} more committed but unacknowledged, ${waiting.length} waiting in all; responses: ${JSON.stringify(run.statuses)}`,
          );
        } finally {
          await server.stop();
          await iso.cleanup();
        }
      });
    });
  });
}

/**
 * A write that committed is never answered as failed: with Redis unreachable, joins, call-next and
 * ticket actions still commit to PostgreSQL, so they answer success (a join's position comes from
 * the database) and a retry cannot repeat them. A request that cannot be served commits nothing.
 */
const pgRedis = COMBOS.find((c) => c.name.includes('Redis'));
describe('writes while Redis is unreachable', { skip: pgRedis?.skip ?? 'no PostgreSQL + Redis combination' }, () => {
  const ready = (base: string) => call(base, 'GET', '/health/ready', { key: null });

  async function withCutRedis(
    extra: Record<string, string>,
    body: (url: string, cut: () => Promise<void>, heal: () => Promise<void>) => Promise<void>,
  ) {
    const iso = pgRedis!.isolate();
    const redis = TcpProxy.forUrl(TEST_REDIS_URL, 6379);
    await redis.start();
    const node = await startNode({ ...iso.env, REDIS_URL: redis.urlFor(iso.env.REDIS_URL as string) }, extra);
    try {
      await body(
        node.url,
        async () => {
          await redis.stop();
          await eventually(async () => assert.equal((await ready(node.url)).status, 503));
        },
        async () => {
          await redis.start();
          await eventually(async () => assert.equal((await ready(node.url)).status, 200), 20_000, 100);
        },
      );
    } finally {
      if (!redis.running) await redis.start();
      await node.close();
      await redis.stop();
      await iso.cleanup();
    }
  }

  test('joins, an idempotent retry, call-next, leave and serve answer success; positions exact once Redis is back', () =>
    withCutRedis({}, async (url, cut, heal) => {
      const q = (await createQueue(url)).id;
      const [a, b, c] = [await join(url, q), await join(url, q), await join(url, q)];
      await cut();
      const statuses: number[] = [];
      const j = await call(url, 'POST', `/api/queues/${q}/tickets`, { body: {}, key: null });
      statuses.push(j.status);
      assert.equal(j.status, 201, JSON.stringify(j.body));
      assert.equal(j.body.position, 4, 'the position comes from the database');
      const key = { 'idempotency-key': 'outage-retry-0123456789abcdef' };
      const k1 = await call(url, 'POST', `/api/queues/${q}/tickets`, { body: {}, key: null, headers: key });
      const k2 = await call(url, 'POST', `/api/queues/${q}/tickets`, { body: {}, key: null, headers: key });
      statuses.push(k1.status, k2.status);
      assert.equal(k1.status, 201, JSON.stringify(k1.body));
      assert.equal(k1.body.position, 5);
      assert.equal(k2.status, 200, 'the retry is a replay, not a second ticket');
      assert.equal(k2.body.id, k1.body.id);
      const h = await call(url, 'POST', `/api/queues/${q}/tickets`, { body: { priority: 'high' } });
      statuses.push(h.status);
      assert.equal(h.status, 201, JSON.stringify(h.body));
      assert.equal(h.body.position, 1, 'a high-priority join goes ahead of the five waiting');
      const called = await call(url, 'POST', `/api/queues/${q}/call-next`, { body: { counter: 'desk 1' } });
      statuses.push(called.status);
      assert.equal(called.status, 200, JSON.stringify(called.body));
      assert.equal(called.body.id, h.body.id);
      const left = await leave(url, b.id, b.token);
      statuses.push(left.status);
      assert.equal(left.status, 200, JSON.stringify(left.body));
      assert.equal(left.body.status, 'left');
      const served = await call(url, 'POST', `/api/tickets/${h.body.id}/serve`, { body: {} });
      statuses.push(served.status);
      assert.equal(served.status, 200, JSON.stringify(served.body));
      assert.equal((await call(url, 'GET', `/api/queues/${q}`)).body.waitingCount, 4);
      await heal();
      const want = [a.id, c.id, j.body.id, k1.body.id];
      await eventually(
        async () => {
          const waiting = await listAll(url, q, 'waiting');
          assert.deepEqual(
            waiting.map((w) => w.id),
            want,
          );
          assert.deepEqual(
            waiting.map((w) => w.position),
            [1, 2, 3, 4],
          );
        },
        15_000,
        100,
      );
      console.log(
        `[redis outage] committed writes answered ${JSON.stringify(statuses)}; 4 waiting afterwards with positions 1..4, no duplicate`,
      );
    }));

  test('with the join rate limit on, a join the limiter cannot count is refused whole (503) and commits nothing', () =>
    withCutRedis({ QK_JOIN_RATE_LIMIT: '30' }, async (url, cut, heal) => {
      const q = (await createQueue(url)).id;
      await join(url, q);
      await cut();
      const r = await call(url, 'POST', `/api/queues/${q}/tickets`, { body: {}, key: null });
      assert.equal(r.status, 503, JSON.stringify(r.body));
      assert.equal(r.body.error.code, 'unavailable');
      assert.equal((await call(url, 'GET', `/api/queues/${q}`)).body.waitingCount, 1);
      await heal();
      assert.equal((await listAll(url, q)).length, 1, 'no ticket was written');
    }));
});

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { call, COMBOS, MASTER_KEY, suiteNodes } from '../support/harness.js';
import { assertError, createQueue, join } from './helpers.js';
import { foldMinutes } from '../../src/http/routes/console-history.js';
import type { MetricSample } from '../../src/store/maintenance-contract.js';

/** Reads `event:` names from an operator change stream opened with fetch and a bearer key. */
async function openChanges(base: string, queueId: string, key: string) {
  const ac = new AbortController();
  const res = await fetch(`${base}/api/queues/${queueId}/changes`, {
    headers: { authorization: `Bearer ${key}`, accept: 'text/event-stream' },
    signal: ac.signal,
  });
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let buf = '';
  return {
    res,
    close: () => ac.abort(),
    /** The next event's name; fails after the given time. */
    async next(timeoutMs = 10_000): Promise<string> {
      const end = Date.now() + timeoutMs;
      for (;;) {
        const at = buf.indexOf('\n\n');
        if (at >= 0) {
          const block = buf.slice(0, at);
          buf = buf.slice(at + 2);
          const name = /^event: (.*)$/m.exec(block)?.[1];
          if (name) return name;
          continue;
        }
        let timer: NodeJS.Timeout | undefined;
        const chunk = await Promise.race([
          reader.read(),
          new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), Math.max(0, end - Date.now())))),
        ]).finally(() => clearTimeout(timer));
        if (chunk === 'timeout') throw new Error(`no event within ${timeoutMs} ms`);
        if (chunk.done) throw new Error('the stream ended');
        buf += decoder.decode(chunk.value, { stream: true });
      }
    },
  };
}

const sample = (nodeId: string, at: string, over: Partial<MetricSample> = {}): MetricSample => ({
  nodeId,
  at: new Date(at),
  requests: 10,
  errors: 0,
  avgMs: 2,
  p95Ms: 5,
  p99Ms: 9,
  cpuPercent: 10,
  memoryPercent: 30,
  eventLoopLagP99Ms: 1,
  waitingTotal: 4,
  routes: {},
  ...over,
});

test('samples of several nodes fold into one point a minute: requests summed, the worst node otherwise', () => {
  const m = foldMinutes([
    sample('b', '2026-01-01T10:01:30Z', { requests: 5, p95Ms: null, cpuPercent: 70 }),
    sample('a', '2026-01-01T10:00:10Z'),
    sample('b', '2026-01-01T10:00:50Z', { requests: 7, p95Ms: 40, waitingTotal: 6 }),
  ]);
  assert.deepEqual(m, {
    at: [Date.parse('2026-01-01T10:00:00Z') / 1000, Date.parse('2026-01-01T10:01:00Z') / 1000],
    waiting: [6, 4],
    requests: [17, 5],
    p95Ms: [40, null],
    cpuPercent: [10, 70],
    memoryPercent: [30, 30],
  });
});

/** The console's own reads: the key's role, and a queue's change stream for the desk. */
for (const combo of COMBOS) {
  const shared = combo.name.includes('Redis');
  describe(`console routes (${combo.name})`, { skip: combo.skip }, () => {
    const nodes = suiteNodes(combo, shared ? 2 : 1);

    test('whoami names the role of the key, and refuses a missing or unknown key', async () => {
      const base = nodes[0]!.url;
      assert.deepEqual((await call(base, 'GET', '/api/whoami')).body, { role: 'admin' });
      const op = await call(base, 'POST', '/api/keys', { body: { role: 'operator', name: 'desk' } });
      assert.deepEqual((await call(base, 'GET', '/api/whoami', { key: op.body.key })).body, { role: 'operator' });
      assertError(await call(base, 'GET', '/api/whoami', { key: null }), 401, 'unauthorized', 'no key');
      assertError(await call(base, 'GET', '/api/whoami', { key: 'x'.repeat(40) }), 401, 'unauthorized', 'unknown key');
    });

    test('history answers the stored samples to any key, and refuses bad bounds', async () => {
      const base = nodes[0]!.url;
      await nodes[0]!.rt.store.maintenance.insertSample(sample('n1', new Date(Date.now() - 120_000).toISOString()));
      const r = await call(base, 'GET', '/api/console/history?hours=1');
      assert.equal(r.status, 200);
      assert.equal(r.body.minutes.at.length, 1);
      assert.deepEqual(r.body.minutes.requests, [10]);
      assert.deepEqual(Object.keys(r.body.days).sort(), ['avgWaitSeconds', 'day', 'joined', 'served']);
      assertError(await call(base, 'GET', '/api/console/history', { key: null }), 401, 'unauthorized', 'no key');
      assertError(await call(base, 'GET', '/api/console/history?hours=0'), 400, 'validation_failed', 'hours=0');
      assertError(await call(base, 'GET', '/api/console/history?hours=9999'), 400, 'validation_failed', 'too long');
    });

    test('the change stream needs a key, names a real queue, and tells of changes made on any node', async () => {
      const base = nodes[0]!.url;
      const other = nodes[nodes.length - 1]!.url;
      const q = await createQueue(base);
      assertError(await call(base, 'GET', `/api/queues/${q.id}/changes`, { key: null }), 401, 'unauthorized', 'no key');
      assertError(await call(base, 'GET', '/api/queues/nothing-here/changes'), 404, 'not_found', 'unknown queue');
      assertError(await call(base, 'GET', '/api/queues/bad%20id/changes'), 400, 'validation_failed', 'bad id');

      const s = await openChanges(base, q.id, MASTER_KEY);
      try {
        assert.equal(s.res.status, 200);
        assert.match(s.res.headers.get('content-type') ?? '', /^text\/event-stream/);
        assert.equal(await s.next(), 'changed', 'the first event comes at once');
        // A burst of joins on the other node (the same one in SQLite) arrives as few events.
        await Promise.all(Array.from({ length: 20 }, () => join(other, q.id)));
        assert.equal(await s.next(), 'changed');
        const t = await call(other, 'POST', `/api/queues/${q.id}/call-next`, { body: { counter: 'Desk 2' } });
        assert.equal(t.status, 200);
        assert.equal(await s.next(), 'changed');
      } finally {
        s.close();
      }
    });
  });
}

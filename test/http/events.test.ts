import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { call, COMBOS, eventually, type Node, suiteNodes } from '../support/harness.js';
import { assertError, createQueue, join, leave, SseReader } from './helpers.js';

/**
 * Server-Sent Events (docs/api.md): GET /api/tickets/:id/events?token= sends the ticket at once,
 * then every change of status or position. With Redis, changes made on another node arrive too.
 */
for (const combo of COMBOS) {
  const shared = combo.name.includes('Redis');
  describe(combo.name, { skip: combo.skip }, () => {
    const nodes = suiteNodes(combo, shared ? 2 : 1);

    /** The watcher listens on `watch`; the changes are made on `act` (the same node in SQLite). */
    const scenario = async (watch: Node, act: Node) => {
      const q = (await createQueue(act.url)).id;
      const a = await join(act.url, q);
      await join(act.url, q);
      const c = await join(act.url, q);
      assertError(
        await call(watch.url, 'GET', `/api/tickets/${c.id}/events?token=wrong`, { key: null }),
        404,
        'not_found',
        'events with a wrong token',
      );

      const sse = new SseReader(`${watch.url}/api/tickets/${c.id}/events?token=${encodeURIComponent(c.token)}`);
      await sse.open();
      try {
        assert.equal(sse.status, 200);
        assert.match(sse.contentType, /^text\/event-stream/);
        const first = await sse.next();
        assert.equal(first.id, c.id);
        assert.equal(first.status, 'waiting');
        assert.equal(first.position, 3);
        assert.ok(first.eta && first.eta.lowSeconds <= first.eta.highSeconds);
        assert.equal(first.token, undefined);

        await leave(act.url, a.id, a.token);
        assert.equal((await sse.until((e) => e.position !== 3)).position, 2, 'someone ahead left');
        assert.equal((await call(act.url, 'POST', `/api/queues/${q}/call-next`, { body: {} })).status, 200);
        assert.equal((await sse.until((e) => e.position !== 2)).position, 1, 'the one ahead was called');
        await call(act.url, 'POST', `/api/tickets/${c.id}/call`, { body: { counter: 'C' } });
        const called = await sse.until((e) => e.status !== 'waiting');
        assert.equal(called.status, 'called');
        assert.equal(called.position, null);
        assert.equal(called.counter, 'C');
        assert.equal(called.contact, undefined, 'customers do not get operator fields');
      } finally {
        sse.close();
      }
    };

    describe('Server-Sent Events', () => {
      test('the first event is the ticket; changes of position and status follow', () =>
        scenario(nodes[0] as Node, nodes[0] as Node));

      test(
        'changes made on another node reach the stream',
        { skip: shared ? false : 'one node only: the in-process bus is not shared between nodes' },
        () => scenario(nodes[1] as Node, nodes[0] as Node),
      );
    });

    describe('streams end with their ticket', () => {
      const open = async (n: Node, t: { id: string; token: string }) => {
        const sse = new SseReader(`${n.url}/api/tickets/${t.id}/events?token=${encodeURIComponent(t.token)}`);
        await sse.open();
        assert.equal(sse.status, 200);
        assert.equal((await sse.next()).id, t.id);
        return sse;
      };
      /** Reads to the `end` event, then checks that the server closed the stream. */
      const ended = async (sse: SseReader): Promise<string> => {
        const e = await sse.until((x) => typeof x.reason === 'string');
        await assert.rejects(sse.next(5_000), /SSE stream ended/);
        return e.reason;
      };

      for (const how of ['served', 'left', 'expired', 'deleted'] as const)
        test(`when the ticket is ${how}, its stream sends an end event and closes`, async () => {
          const n = nodes[0] as Node;
          const q = (await createQueue(n.url)).id;
          const t = await join(n.url, q);
          const sse = await open(n, t);
          try {
            if (how === 'served') {
              await call(n.url, 'POST', `/api/tickets/${t.id}/call`, { body: {} });
              await call(n.url, 'POST', `/api/tickets/${t.id}/serve`, { body: {} });
              assert.equal((await sse.until((e) => e.status === 'served')).position, null);
            } else if (how === 'left') await leave(n.url, t.id, t.token);
            else if (how === 'expired') {
              // What the expiry sweeper does: expire in the database, then announce the change.
              await call(n.url, 'PATCH', `/api/queues/${q}`, { body: { settings: { ticketTtlSeconds: 1 } } });
              assert.equal((await n.rt.store.expireWaiting(new Date(Date.now() + 60_000))).length, 1);
              n.rt.events.publish(q);
            } else assert.equal((await call(n.url, 'DELETE', `/api/queues/${q}`)).status, 204);
            assert.equal(await ended(sse), how);
            assert.equal(n.rt.events.streamsOf(t.id), 0);
          } finally {
            sse.close();
          }
        });

      test('a ticket that has already ended gets its view and the end at once', async () => {
        const n = nodes[0] as Node;
        const q = (await createQueue(n.url)).id;
        const t = await join(n.url, q);
        await leave(n.url, t.id, t.token);
        const sse = new SseReader(`${n.url}/api/tickets/${t.id}/events?token=${encodeURIComponent(t.token)}`);
        await sse.open();
        try {
          assert.equal((await sse.next()).status, 'left');
          assert.equal(await ended(sse), 'left');
        } finally {
          sse.close();
        }
      });
    });

    describe('stream limits and headers', () => {
      test('a ticket accepts 3 concurrent streams; a 4th is 429 until one closes', async () => {
        const n = nodes[0] as Node;
        const q = (await createQueue(n.url)).id;
        const t = await join(n.url, q);
        const url = `${n.url}/api/tickets/${t.id}/events?token=${encodeURIComponent(t.token)}`;
        const open: SseReader[] = [];
        try {
          for (let i = 0; i < 3; i++) {
            const sse = new SseReader(url);
            await sse.open();
            assert.equal(sse.status, 200);
            open.push(sse);
          }
          const refused = await call(n.url, 'GET', `/api/tickets/${t.id}/events?token=${encodeURIComponent(t.token)}`, {
            key: null,
          });
          assertError(refused, 429, 'rate_limited', 'a 4th stream');
          assert.ok(Number(refused.headers.get('retry-after')) >= 1);
          open.shift()?.close();
          await eventually(async () => {
            const sse = new SseReader(url);
            await sse.open();
            open.push(sse);
            assert.equal(sse.status, 200);
          });
        } finally {
          for (const s of open) s.close();
        }
      });

      test('stream responses carry the security headers', async () => {
        const n = nodes[0] as Node;
        const q = (await createQueue(n.url)).id;
        const t = await join(n.url, q);
        const ac = new AbortController();
        const res = await fetch(`${n.url}/api/tickets/${t.id}/events?token=${encodeURIComponent(t.token)}`, {
          signal: ac.signal,
        });
        try {
          assert.equal(res.status, 200);
          assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
          assert.ok(res.headers.get('strict-transport-security'));
          assert.ok(res.headers.get('x-frame-options'));
          assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
        } finally {
          ac.abort();
        }
      });
    });
  });
}

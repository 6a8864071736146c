import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Webhook } from 'standardwebhooks';
import {
  call,
  COMBOS,
  eventually,
  MASTER_KEY,
  spawnServer,
  startNode,
  suiteNode,
  type Node,
} from '../support/harness.js';
import { createQueue, join, leave } from '../http/helpers.js';
import { startReceiver, suiteReceiver } from '../support/receiver.js';

/** Webhooks end to end: real nodes, a real receiver, signatures checked with the Standard Webhooks library. */

const FAST = { QK_WEBHOOK_PRIVATE: 'on', QK_WEBHOOK_POLL_MS: '50', QK_WEBHOOK_TIMEOUT_SECONDS: '1' };

async function register(base: string, url: string, events: string[], extra: Record<string, unknown> = {}) {
  const r = await call(base, 'POST', '/api/webhooks', { body: { url, events, ...extra } });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body as { id: string; secret: string };
}

for (const combo of COMBOS) {
  describe(`webhooks (${combo.name})`, { skip: combo.skip }, () => {
    const node = suiteNode(combo, FAST);
    const rx = suiteReceiver();

    test('registration shows the secret once and refuses bad input', async () => {
      const created = await register(node.url, rx.url, ['ticket.joined']);
      assert.match(created.secret, /^whsec_[A-Za-z0-9+/=]+$/);
      const list = await call(node.url, 'GET', '/api/webhooks');
      const listed = list.body.items.find((w: { id: string }) => w.id === created.id);
      assert.deepEqual(Object.keys(listed).sort(), ['createdAt', 'events', 'id', 'includeContact', 'url']);
      for (const body of [
        { url: 'ftp://example.com/x', events: ['ticket.joined'] },
        { url: 'not a url', events: ['ticket.joined'] },
        { url: rx.url, events: ['ticket.exploded'] },
        { url: rx.url, events: [] },
      ]) {
        const r = await call(node.url, 'POST', '/api/webhooks', { body });
        assert.equal(r.status, 400, JSON.stringify(body));
        assert.equal(r.body.error.code, 'validation_failed');
      }
      assert.equal((await call(node.url, 'DELETE', `/api/webhooks/${created.id}`)).status, 204);
      assert.equal((await call(node.url, 'GET', `/api/webhooks/${created.id}`)).status, 404);
      assert.equal((await call(node.url, 'GET', '/api/webhooks', { key: null })).status, 401);
      assert.equal(
        (await call(node.url, 'DELETE', '/api/webhooks/email')).status,
        404,
        'the email channel is not a webhook',
      );
    });

    test('a leaver from behind moves nobody up; a leaver ahead brings the next one near', async () => {
      const hook = await register(node.url, rx.url, ['ticket.near', 'ticket.left']);
      const q = await createQueue(node.url, { settings: { notifyAtPosition: 3 } });
      const t = [];
      for (let i = 0; i < 5; i++) t.push(await join(node.url, q.id));
      // From 5th place: the 3rd stays where it joined, so nobody is told.
      assert.equal((await leave(node.url, t[4]!.id, t[4]!.token)).status, 200);
      // From 1st place: the 4th moves up to 3rd.
      assert.equal((await leave(node.url, t[0]!.id, t[0]!.token)).status, 200);
      const mine = () => rx.received.filter((r) => r.json.data.queueId === q.id);
      await eventually(async () => assert.equal(mine().length, 3));
      assert.deepEqual(
        mine()
          .map((r) => [r.json.type, r.json.data.id])
          .sort(),
        [
          ['ticket.left', t[0]!.id],
          ['ticket.left', t[4]!.id],
          ['ticket.near', t[3]!.id],
        ].sort(),
      );
      const d = await call(node.url, 'GET', `/api/webhooks/${hook.id}/deliveries`);
      assert.deepEqual(
        d.body.items.map((x: { status: string; attempts: number }) => [x.status, x.attempts]),
        [
          ['delivered', 1],
          ['delivered', 1],
          ['delivered', 1],
        ],
      );
      await call(node.url, 'DELETE', `/api/webhooks/${hook.id}`);
    });

    test('events arrive signed, in order per ticket, and the deliveries show status and latency', async () => {
      const hook = await register(node.url, rx.url, ['ticket.joined', 'ticket.called', 'ticket.served', 'ticket.left']);
      const q = await createQueue(node.url);
      const a = await join(node.url, q.id, { contact: 'a@example.com' });
      const b = await join(node.url, q.id);
      const called = await call(node.url, 'POST', `/api/queues/${q.id}/call-next`, { body: { counter: 'D4' } });
      assert.equal(called.body.id, a.id);
      assert.equal((await call(node.url, 'POST', `/api/tickets/${a.id}/serve`)).status, 200);
      assert.equal((await leave(node.url, b.id, b.token)).status, 200);

      const mine = () => rx.received.filter((r) => r.json.data.queueId === q.id);
      await eventually(async () => assert.equal(mine().length, 5));
      const wh = new Webhook(hook.secret);
      for (const r of mine()) assert.deepEqual(wh.verify(r.body, r.headers), r.json);
      const forA = mine().filter((r) => r.json.data.id === a.id);
      assert.deepEqual(
        forA.map((r) => r.json.type),
        ['ticket.joined', 'ticket.called', 'ticket.served'],
      );
      assert.equal(forA[0]?.json.data.position, 1);
      assert.equal(forA[1]?.json.data.counter, 'D4');
      assert.equal(forA[0]?.json.data.contact, undefined, 'contact only with the opt-in');
      assert.deepEqual(
        mine()
          .filter((r) => r.json.data.id === b.id)
          .map((r) => r.json.type),
        ['ticket.joined', 'ticket.left'],
      );

      const d = await call(node.url, 'GET', `/api/webhooks/${hook.id}/deliveries?limit=2`);
      assert.equal(d.status, 200);
      assert.equal(d.body.items.length, 2);
      assert.ok(d.body.nextCursor);
      for (const item of d.body.items) {
        assert.equal(item.status, 'delivered');
        assert.equal(item.responseStatus, 204);
        assert.equal(typeof item.latencyMs, 'number');
        assert.equal(item.attempts, 1);
      }
      const next = await call(node.url, 'GET', `/api/webhooks/${hook.id}/deliveries?cursor=${d.body.nextCursor}`);
      assert.equal(next.body.items.length, 3);
      await call(node.url, 'DELETE', `/api/webhooks/${hook.id}`);
    });

    test('contact travels only with the opt-in; ticket.near reaches the ticket that moves up', async () => {
      const hook = await register(node.url, rx.url, ['ticket.near'], { includeContact: true });
      const q = await createQueue(node.url, { settings: { notifyAtPosition: 2 } });
      const t = [];
      for (let i = 0; i < 4; i++) t.push(await join(node.url, q.id, { contact: `c${i}@example.com` }));
      for (let i = 0; i < 3; i++)
        assert.equal((await call(node.url, 'POST', `/api/queues/${q.id}/call-next`, { body: {} })).status, 200);
      const near = () => rx.received.filter((r) => r.json.type === 'ticket.near' && r.json.data.queueId === q.id);
      // After the first call t2 stands 2nd, after the second t3; the third call brings nobody to 2nd.
      await eventually(async () => assert.equal(near().length, 2));
      assert.deepEqual(
        near().map((r) => [r.json.data.id, r.json.data.position, r.json.data.contact]),
        [
          [t[2]?.id, 2, 'c2@example.com'],
          [t[3]?.id, 2, 'c3@example.com'],
        ],
      );
      await call(node.url, 'DELETE', `/api/webhooks/${hook.id}`);
    });

    test('ticket.near is sent once per ticket, even when it is pushed back and moves up again', async () => {
      const hook = await register(node.url, rx.url, ['ticket.near']);
      const q = await createQueue(node.url, { settings: { notifyAtPosition: 2 } });
      const [, , c] = [await join(node.url, q.id), await join(node.url, q.id), await join(node.url, q.id)];
      const callNext = async () =>
        assert.equal((await call(node.url, 'POST', `/api/queues/${q.id}/call-next`, { body: {} })).status, 200);
      await callNext();
      // A high-priority join puts c back to 3rd; the next call brings it to 2nd again.
      await join(node.url, q.id, { priority: 'high' }, { key: MASTER_KEY });
      await callNext();
      const near = () => rx.received.filter((r) => r.json.type === 'ticket.near' && r.json.data.queueId === q.id);
      await eventually(async () => {
        const d = await call(node.url, 'GET', `/api/webhooks/${hook.id}/deliveries`);
        assert.ok(d.body.items.every((x: { status: string }) => x.status === 'delivered'));
      });
      assert.deepEqual(
        near().map((r) => r.json.data.id),
        [c?.id],
      );
      await call(node.url, 'DELETE', `/api/webhooks/${hook.id}`);
    });

    test('a join is answered while the receiver hangs', async () => {
      const slow = await startReceiver('hang');
      const hook = await register(node.url, slow.url, ['ticket.joined']);
      try {
        const q = await createQueue(node.url);
        const j = await join(node.url, q.id);
        assert.equal(j.status, 'waiting');
        await eventually(async () => {
          const d = await call(node.url, 'GET', `/api/webhooks/${hook.id}/deliveries`);
          assert.equal(d.body.items[0]?.attempts, 1);
          assert.equal(d.body.items[0]?.status, 'pending');
          assert.match(d.body.items[0]?.error, /no answer within/);
        });
        const metrics = (await call(node.url, 'GET', '/metrics')).body as string;
        assert.match(metrics, /^qk_outbox_pending [1-9]/m);
        assert.match(metrics, /^qk_outbox_oldest_pending_seconds \d/m);
        assert.match(metrics, /^qk_webhook_attempts_total\{outcome="retry"\} [1-9]/m);
      } finally {
        await call(node.url, 'DELETE', `/api/webhooks/${hook.id}`);
        await slow.close();
      }
    });
  });

  describe(`outbox survives kill -9 (${combo.name})`, { skip: combo.skip }, () => {
    test('events committed before the kill are delivered by the next node', async () => {
      const iso = combo.isolate();
      const rx = await startReceiver();
      // The first server never gets round to sending: its poll is a minute away when it dies.
      const first = await spawnServer({ ...iso.env, ...FAST, QK_WEBHOOK_POLL_MS: '60000' });
      let second: Node | undefined;
      try {
        await register(first.url, rx.url, ['ticket.joined']);
        const q = await createQueue(first.url);
        const ids: string[] = [];
        for (let i = 0; i < 20; i++) ids.push((await join(first.url, q.id)).id);
        first.child.kill('SIGKILL');
        await first.exited;
        assert.equal(rx.received.length, 0);
        second = await startNode(iso.env, FAST);
        await eventually(async () => assert.equal(rx.received.length, 20));
        // Order is kept per ticket; different tickets may go out side by side.
        assert.deepEqual(rx.received.map((r) => r.json.data.id as string).sort(), [...ids].sort());
      } finally {
        await first.stop();
        await second?.close();
        await rx.close();
        await iso.cleanup();
      }
    });
  });
}

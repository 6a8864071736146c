import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { call, COMBOS, eventually, MASTER_KEY, type Node, suiteNodes } from '../support/harness.js';
import { createQueue, join, leave, type Joined } from './helpers.js';

/**
 * Positions pushed to watchers are exact (docs/live-updates.md): after joins, leaves, calls,
 * requeues and priority joins, every watcher's last message matches the database's order. With
 * Redis, the watchers are spread over two nodes and the changes are made on both.
 */

/** Keeps the last event of a ticket's stream, reading in the background. */
class LastEvent {
  last: any = null;
  count = 0;
  private readonly ac = new AbortController();
  private done: Promise<void> = Promise.resolve();

  constructor(private readonly url: string) {}

  async open(): Promise<void> {
    const res = await fetch(this.url, { signal: this.ac.signal, headers: { accept: 'text/event-stream' } });
    assert.equal(res.status, 200);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let buf = '';
    let first!: () => void;
    const opened = new Promise<void>((r) => (first = r));
    this.done = (async () => {
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) return;
          buf += decoder.decode(value, { stream: true });
          let at: number;
          while ((at = buf.indexOf('\n\n')) >= 0) {
            const block = buf.slice(0, at);
            buf = buf.slice(at + 2);
            const data = block.split('\n').find((l) => l.startsWith('data:'));
            if (!data || !block.includes('event: ticket')) continue;
            this.last = JSON.parse(data.slice(5));
            this.count++;
            first();
          }
        }
      } catch {
        /* aborted */
      }
    })();
    await opened;
  }

  async close(): Promise<void> {
    this.ac.abort();
    await this.done;
  }
}

/** The database's waiting order (high priority first, then by seq), and each watched ticket's status. */
async function expected(
  node: Node,
  queueId: string,
  ids: string[],
): Promise<Map<string, { status: string; position: number | null }>> {
  const page = await node.rt.store.listTickets(queueId, { status: 'waiting', limit: 1000 });
  const order = [...page.items]
    .sort((a, b) => (a.priority === b.priority ? a.seq - b.seq : a.priority === 'high' ? -1 : 1))
    .map((t) => t.id);
  const out = new Map<string, { status: string; position: number | null }>();
  for (const id of ids) {
    const t = await node.rt.store.getTicket(id);
    const at = order.indexOf(id);
    out.set(id, { status: t?.status ?? 'missing', position: at < 0 ? null : at + 1 });
  }
  return out;
}

for (const combo of COMBOS) {
  const shared = combo.name.includes('Redis');
  describe(combo.name, { skip: combo.skip }, () => {
    const nodes = suiteNodes(combo, shared ? 2 : 1);

    test(`every watcher's last message matches the database order after each kind of change${shared ? ', over two nodes' : ''}`, async () => {
      const node = (i: number): Node => nodes[i % nodes.length] as Node;
      const q = (await createQueue(node(0).url)).id;
      const tickets: Joined[] = [];
      for (let i = 0; i < 24; i++) tickets.push(await join(node(i).url, q));
      const watchers: LastEvent[] = [];
      const watch = async (t: Joined, i: number) => {
        const w = new LastEvent(`${node(i).url}/api/tickets/${t.id}/events?token=${encodeURIComponent(t.token)}`);
        await w.open();
        watchers.push(w);
      };
      const byId = new Map<string, LastEvent>();
      try {
        for (const [i, t] of tickets.entries()) {
          await watch(t, i);
          byId.set(t.id, watchers.at(-1) as LastEvent);
        }
        const check = async (what: string) =>
          eventually(async () => {
            const want = await expected(node(0), q, [...byId.keys()]);
            for (const [id, w] of byId) {
              const e = want.get(id);
              assert.equal(w.last?.status, e?.status, `${what}: status of ${id}`);
              assert.equal(w.last?.position, e?.position, `${what}: position of ${id}`);
            }
          });
        const t = (i: number) => tickets[i] as Joined;

        await leave(node(1).url, t(0).id, t(0).token);
        await leave(node(0).url, t(5).id, t(5).token);
        await check('leaves');

        for (let i = 0; i < 3; i++)
          assert.equal((await call(node(i).url, 'POST', `/api/queues/${q}/call-next`, { body: {} })).status, 200);
        await check('call-next');

        const called = await call(node(1).url, 'POST', `/api/tickets/${t(12).id}/call`, { body: { counter: 'B' } });
        assert.equal(called.status, 200);
        await check('a call out of order');

        assert.equal((await call(node(0).url, 'POST', `/api/tickets/${t(12).id}/requeue`, { body: {} })).status, 200);
        await check('requeue');

        for (let i = 0; i < 3; i++) {
          const vip = await join(node(i).url, q, { priority: 'high' }, { key: MASTER_KEY });
          tickets.push(vip);
          await watch(vip, i + 1);
          byId.set(vip.id, watchers.at(-1) as LastEvent);
        }
        for (let i = 0; i < 4; i++) await join(node(i).url, q);
        await check('priority joins and plain joins');

        await Promise.all([
          call(node(0).url, 'POST', `/api/queues/${q}/call-next`, { body: {} }),
          call(node(1).url, 'POST', `/api/queues/${q}/call-next`, { body: {} }),
          leave(node(1).url, t(20).id, t(20).token),
          join(node(0).url, q, { priority: 'high' }, { key: MASTER_KEY }),
        ]);
        await check('concurrent changes on both nodes');
      } finally {
        for (const w of watchers) await w.close();
      }
    });
  });
}

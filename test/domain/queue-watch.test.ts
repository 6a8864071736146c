import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, mock, test } from 'node:test';
import type { TicketNote } from '../../src/domain/live-notes.js';
import { QueueWatch } from '../../src/domain/queue-watch.js';
import { ShownView } from '../../src/domain/shown-view.js';
import { DEFAULT_QUEUE_SETTINGS } from '../../src/domain/types.js';
import type { TicketView } from '../../src/domain/views.js';
import { notFound } from '../../src/errors/index.js';
import { createMemoryBackend } from '../../src/live/memory/backend.js';
import type { Store } from '../../src/store/contract.js';
import { openStore } from '../../src/store/open.js';

/**
 * One node's pass over a queue's watchers (src/domain/queue-watch.ts), with the clock moved by the
 * test: a burst of changes becomes one message per watcher with the latest state, sent without
 * waiting out the interval when the queue was quiet, and a gap in a publisher's numbering makes the
 * pass read the watched tickets from the database.
 */
const view = (id: string, position: number): TicketView => ({
  id,
  number: position,
  queueId: 'q',
  status: 'waiting',
  priority: 'normal',
  position,
  eta: null,
  etaAtJoin: null,
  name: null,
  counter: null,
  recalls: 0,
  recalledAt: null,
  createdAt: new Date(0).toISOString(),
  calledAt: null,
  endedAt: null,
});
const left = (id: string): TicketNote => ({
  id,
  status: 'left',
  priority: 'normal',
  counter: null,
  calledAt: null,
  endedAt: new Date(0).toISOString(),
  admittedUntil: null,
});
const settled = async (until: () => boolean): Promise<void> => {
  for (let i = 0; i < 10_000 && !until(); i++) await new Promise((r) => setImmediate(r));
};

describe('a pass over one queue’s watchers', () => {
  let dir: string;
  let store: Store;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'qk-watch-'));
    store = openStore({ kind: 'sqlite', path: join(dir, 'w.db') });
    await store.migrate();
    await store.createQueue(
      { id: 'q', name: 'q', mode: 'service', capacity: null, settings: DEFAULT_QUEUE_SETTINGS },
      new Date(),
    );
  });
  after(async () => {
    mock.timers.reset();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const setup = async (rereads: string[]) => {
    const live = createMemoryBackend();
    await live.index.add(
      'q',
      Array.from({ length: 20 }, (_, i) => ({ ticketId: `t${i + 1}`, priority: 'normal' as const, seq: i + 1 })),
    );
    const w = new QueueWatch(
      'q',
      {
        index: live.index,
        now: () => new Date(),
        queue: async (id) => (await store.getQueue(id)) ?? Promise.reject(notFound('queue')),
        ticket: async (id) => {
          rereads.push(id);
          return view(id, 1 + ((await live.index.rank('q', id)) ?? -1));
        },
        onError: (e) => assert.fail(String(e)),
      },
      Promise.resolve(async () => undefined),
    );
    const sent: TicketView[] = [];
    const first = ShownView.of(view('t20', 20));
    w.add(first, { send: (v) => sent.push(v.view), end: () => undefined, last: first });
    return { live, w, sent };
  };

  test('ten changes in one burst give the watcher one message, at once after a quiet spell, with the position after all ten', async () => {
    mock.timers.enable({ apis: ['setTimeout'] });
    try {
      const rereads: string[] = [];
      const { live, w, sent } = await setup(rereads);
      for (let i = 1; i <= 10; i++) {
        await live.index.remove('q', [`t${i}`]);
        w.receive({ node: 'a', seq: i, tickets: [left(`t${i}`)] });
      }
      assert.equal(sent.length, 0, 'nothing before the burst is over');
      // No pass ran in the last 25 ms: the one for this burst needs no time to pass on the clock.
      mock.timers.tick(0);
      await settled(() => sent.length > 0);
      assert.equal(sent.length, 1);
      assert.equal(sent[0]?.position, 10);
      assert.deepEqual(rereads, [], 'no database read for a watcher whose state is known');
    } finally {
      mock.timers.reset();
    }
  });

  test('a missed message (a gap in the numbering) makes the pass read the watched tickets again', async () => {
    mock.timers.enable({ apis: ['setTimeout'] });
    try {
      const rereads: string[] = [];
      const { live, w, sent } = await setup(rereads);
      await live.index.remove('q', ['t1', 't2']);
      w.receive({ node: 'a', seq: 1, tickets: [left('t1')] });
      w.receive({ node: 'a', seq: 3, tickets: [] });
      mock.timers.tick(25);
      await settled(() => sent.length > 0);
      assert.deepEqual(rereads, ['t20']);
      assert.equal(sent[0]?.position, 18);
    } finally {
      mock.timers.reset();
    }
  });
});

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { reconcileIndex } from '../../src/domain/live-sync.js';
import { QueueService } from '../../src/domain/queue-service.js';
import { unavailable } from '../../src/errors/index.js';
import { createMemoryBackend } from '../../src/live/memory/backend.js';
import type { Store } from '../../src/store/contract.js';
import { openStore } from '../../src/store/open.js';

const dir = mkdtempSync(join(tmpdir(), 'qk-lost-commit-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('a join batch whose commit answer is lost', () => {
  it('fails the callers, and marks the queue so the index learns the tickets that did commit', async () => {
    const store = openStore({ kind: 'sqlite', path: join(dir, 'a.db') });
    await store.migrate();
    // The real database commits; the answer is lost on the way back, as when a link drops mid-commit.
    const lossy: Store = Object.create(store, {
      joinMany: {
        value: async (...args: Parameters<Store['joinMany']>) => (
          await store.joinMany(...args),
          Promise.reject(unavailable('database', new Error('connection lost')))
        ),
      },
    });
    const live = createMemoryBackend();
    const missed: string[] = [];
    const observer = { joined: () => undefined, changed: () => undefined, invalidToken: () => undefined };
    const service = new QueueService(
      lossy,
      live,
      randomBytes(32),
      observer,
      () => new Date(),
      (queueId) => missed.push(queueId),
    );
    const q = await service.createQueue({ name: 'q', mode: 'service' });

    const results = await Promise.allSettled([service.join(q.id, {}, null), service.join(q.id, {}, null)]);
    assert.deepEqual(
      results.map((r) => r.status),
      ['rejected', 'rejected'],
    );
    assert.deepEqual(missed, [q.id]);
    assert.equal((await store.getQueue(q.id))?.waitingCount, 2);
    assert.equal(await live.index.count(q.id), 0);

    // What the watcher does for a marked queue: afterwards every committed ticket has its place.
    assert.deepEqual(await reconcileIndex(store, live.index, [q.id]), { queues: 1, entries: 2, added: 2, removed: 0 });
    assert.equal(await live.index.count(q.id), 2);
    await store.close();
  });

  it('does not mark the queue when the batch failed outright (rolled back: nothing to repair)', async () => {
    const store = openStore({ kind: 'sqlite', path: join(dir, 'b.db') });
    await store.migrate();
    const failing: Store = Object.create(store, {
      joinMany: { value: async () => Promise.reject(new Error('rolled back')) },
    });
    const missed: string[] = [];
    const observer = { joined: () => undefined, changed: () => undefined, invalidToken: () => undefined };
    const service = new QueueService(
      failing,
      createMemoryBackend(),
      randomBytes(32),
      observer,
      () => new Date(),
      (queueId) => missed.push(queueId),
    );
    const q = await service.createQueue({ name: 'q', mode: 'service' });
    await assert.rejects(service.join(q.id, {}, null), /rolled back/);
    assert.deepEqual(missed, []);
    await store.close();
  });
});

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { QueueService } from '../../src/domain/queue-service.js';
import { createMemoryBackend } from '../../src/live/memory/backend.js';
import type { Store } from '../../src/store/contract.js';
import { uniqueName } from '../support/env.js';
import { storeFixtures } from '../store/support.js';

const fx = storeFixtures('service');
const observer = { joined: () => undefined, changed: () => undefined, invalidToken: () => undefined };

describe('queue service', () => {
  it('two settings patches sent at once both land', async () => {
    const store = fx.sqlite(`${uniqueName('a')}.db`);
    await store.migrate();
    const service = new QueueService(store, createMemoryBackend(), randomBytes(32), observer);
    const q = await service.createQueue({ name: 'q', mode: 'service' });
    await Promise.all([
      service.updateQueue(q.id, { settings: { averageServiceSeconds: 42 } }),
      service.updateQueue(q.id, { settings: { ticketTtlSeconds: 600 } }),
    ]);
    assert.deepEqual((await service.queue(q.id)).settings, {
      averageServiceSeconds: 42,
      ticketTtlSeconds: 600,
      notifyAtPosition: 3,
    });
    await store.close();
  });

  it("the ETA's queue cache follows the injected clock", async () => {
    const store = fx.sqlite(`${uniqueName('b')}.db`);
    await store.migrate();
    let reads = 0;
    const counting: Store = Object.create(store, {
      getQueue: { value: (id: string) => (reads++, store.getQueue(id)) },
    });
    let now = new Date('2026-01-01T10:00:00Z');
    const service = new QueueService(counting, createMemoryBackend(), randomBytes(32), observer, () => now);
    const q = await service.createQueue({ name: 'q', mode: 'service' });
    const { result } = await service.join(q.id, {}, null);
    reads = 0;
    await service.customerTicket(result.id, result.token);
    await service.customerTicket(result.id, result.token);
    assert.equal(reads, 1, 'within a second of the injected clock the cached queue serves');
    now = new Date(now.getTime() + 1500);
    await service.customerTicket(result.id, result.token);
    assert.equal(reads, 2, 'past a second of the injected clock the queue is read again');
    await store.close();
  });
});

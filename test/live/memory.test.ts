import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createMemoryBackend } from '../../src/live/memory/backend.js';
import { entry as e } from './helpers.js';
import { liveBackendSuite } from './suite.js';

const scale = { steps: 400, batch: 30, checkEvery: 7 };

liveBackendSuite('memory backend', {
  scale,
  async open() {
    const backend = createMemoryBackend();
    return { backend, dispose: () => backend.close() };
  },
});

// Blocks of four entries force splits, merges and Fenwick rebuilds within a few dozen tickets.
liveBackendSuite('memory backend (tiny blocks)', {
  scale,
  async open() {
    const backend = createMemoryBackend({ blockCapacity: 4 });
    return { backend, dispose: () => backend.close() };
  },
});

describe('memory backend specifics', () => {
  it('forgets a removal after a minute: a join adding that id later is taken', async () => {
    let now = 1_000_000;
    const b = createMemoryBackend({ now: () => now });
    await b.index.remove('q', ['t1']);
    now += 59_000;
    await b.index.addJoined('q', [e('t1', 'normal', 1)]);
    assert.equal(await b.index.count('q'), 0);
    now += 2_000;
    await b.index.remove('q', ['other']);
    await b.index.addJoined('q', [e('t1', 'normal', 1)]);
    assert.equal(await b.index.rank('q', 't1'), 0);
  });

  it('rate windows follow the injected clock and sweep counts the expired ones', async () => {
    let now = 1_000_000;
    const b = createMemoryBackend({ now: () => now });
    assert.deepEqual(await b.limiter.hit('a', 1, 1000), { allowed: true, remaining: 0, resetMs: 1000 });
    now += 400;
    assert.deepEqual(await b.limiter.hit('a', 1, 1000), { allowed: false, remaining: 0, resetMs: 600 });
    await b.limiter.hit('b', 1, 1000);
    await b.limiter.hit('c', 1, 5000);
    assert.deepEqual(await b.sweep(now + 999), { expiredKeysRemoved: 1 }, 'only a has ended');
    assert.deepEqual(await b.sweep(now + 999), { expiredKeysRemoved: 0 });
    now += 1000;
    assert.deepEqual(await b.limiter.hit('a', 1, 1000), { allowed: true, remaining: 0, resetMs: 1000 });
    assert.deepEqual(await b.sweep(now + 10_000), { expiredKeysRemoved: 3 });
    await b.close();
  });

  it('a throwing subscriber does not stop the publisher or the others', async () => {
    const warnings: string[] = [];
    const b = createMemoryBackend({ logger: { warn: (_o, msg) => warnings.push(msg) } });
    const got: string[] = [];
    await b.bus.subscribe('c', () => {
      throw new Error('boom');
    });
    await b.bus.subscribe('c', (m) => got.push(m));
    await b.bus.publish('c', 'hello');
    assert.deepEqual(got, ['hello']);
    assert.equal(warnings.length, 1);
    await b.close();
  });

  it('close forgets everything, like a restarted process', async () => {
    const b = createMemoryBackend();
    await b.index.replaceAll(new Map([['q', [e('a', 'normal', 1)]]]));
    assert.equal(await b.index.isBuilt(), true);
    await b.close();
    assert.equal(await b.index.isBuilt(), false);
    assert.equal(await b.index.count('q'), 0);
  });
});

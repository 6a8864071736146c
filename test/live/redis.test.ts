import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Redis } from 'ioredis';
import { isAppError } from '../../src/errors/index.js';
import type { LiveBackend } from '../../src/live/contract.js';
import { createRedisBackend, parseInfo } from '../../src/live/redis/backend.js';
import { skipRedis, TEST_REDIS_URL, uniqueName } from '../support/env.js';
import { TcpProxy } from '../support/harness.js';
import { deletePrefix, entry as e, eventually, listKeys, rawClient } from './helpers.js';
import { liveBackendSuite } from './suite.js';

/** Every key this file writes starts with this, so cleanup never touches anyone else's data. */
const FILE_PREFIX = `qk_test:${uniqueName('live_redis')}:`;
let n = 0;
const freshPrefix = (): string => `${FILE_PREFIX}${n++}:`;

const isUnavailable = (err: unknown): boolean => isAppError(err) && err.code === 'unavailable';

liveBackendSuite(
  'redis backend',
  {
    scale: { steps: 120, batch: 12, checkEvery: 10 },
    async open() {
      const keyPrefix = freshPrefix();
      const backend = await createRedisBackend({ url: TEST_REDIS_URL, keyPrefix });
      return {
        backend,
        async dispose() {
          await backend.close();
          await deletePrefix(TEST_REDIS_URL, keyPrefix);
        },
      };
    },
  },
  skipRedis,
);

describe('redis backend specifics', { skip: skipRedis }, () => {
  let raw: Redis;
  const open: LiveBackend[] = [];
  const backend = async (keyPrefix = freshPrefix(), url = TEST_REDIS_URL): Promise<LiveBackend> => {
    const b = await createRedisBackend({ url, keyPrefix });
    open.push(b);
    return b;
  };

  before(async () => {
    raw = await rawClient(TEST_REDIS_URL);
  });
  after(async () => {
    await Promise.all(open.map((b) => b.close()));
    await deletePrefix(TEST_REDIS_URL, FILE_PREFIX);
    raw.disconnect();
  });

  it('runs each script for the first time in a tick whose pipeline is already open', async () => {
    // Plain commands and first uses of the scripts in one turn of the event loop: the way a join
    // burst meets a node just started. A script defined on first use made ioredis throw here.
    const b = await backend();
    const [, hit, , , counted] = await Promise.all([
      b.index.count('q'),
      b.limiter.hit('ip:1', 5, 60_000),
      b.index.addJoined('q', [e('a', 'normal', 1), e('b', 'normal', 2)]),
      b.index.remove('q', ['a']),
      b.index.count('q'),
      b.sweep(Date.now()),
    ]);
    assert.equal(hit.allowed, true);
    assert.equal(counted, 1);
    assert.deepEqual(await b.index.range('q', 0, 10), ['b']);
  });

  it('stores one sorted set per queue, scored by class and seq, plus the queue set', async () => {
    const p = freshPrefix();
    const b = await backend(p);
    await b.index.add('q1', [e('a', 'normal', 7), e('b', 'high', 9)]);
    assert.deepEqual(await raw.zrange(`${p}q:q1`, 0, -1, 'WITHSCORES'), ['b', '9', 'a', String(2 ** 52 + 7)]);
    assert.deepEqual(await raw.smembers(`${p}queues`), ['q1']);
  });

  it('reports isBuilt false once its keys are wiped, as after a flush or restart', async () => {
    const p = freshPrefix();
    const b = await backend(p);
    await b.index.replaceAll(new Map([['q', [e('a', 'normal', 1)]]]));
    assert.equal(await b.index.isBuilt(), true);
    assert.ok((await deletePrefix(TEST_REDIS_URL, p)) >= 3);
    assert.equal(await b.index.isBuilt(), false);
    assert.equal(await b.index.count('q'), 0);
  });

  it('replaceAll leaves no temporary keys and namespaces live under their own prefix', async () => {
    const p = freshPrefix();
    const b = await backend(p);
    await b.index.replaceAll(new Map([['q', [e('a', 'normal', 1)]]]));
    await b.index.replaceAll(new Map([['q', [e('n', 'normal', 1)]]]), 'dr');
    const keys = (await listKeys(raw, p)).sort();
    assert.deepEqual(keys, [
      `${p}built`,
      `${p}ns:dr:built`,
      `${p}ns:dr:q:q`,
      `${p}ns:dr:queues`,
      `${p}q:q`,
      `${p}queues`,
    ]);
    assert.equal(await raw.pttl(`${p}q:q`), -1, 'the swapped-in set keeps no temporary TTL');
  });

  it('replaceAll is atomic for readers: they see the old order or the new one', async () => {
    const b = await backend();
    const make = (count: number, tag: string): Map<string, ReturnType<typeof e>[]> =>
      new Map([['q', Array.from({ length: count }, (_, i) => e(`${tag}${i}`, 'normal', i + 1))]]);
    await b.index.replaceAll(make(3000, 'old'));
    const counts: number[] = [];
    const reading = (async () => {
      for (let i = 0; i < 200; i++) counts.push(await b.index.count('q'));
    })();
    await b.index.replaceAll(make(5000, 'new'));
    await reading;
    assert.ok(
      counts.every((c) => c === 3000 || c === 5000),
      `saw counts ${[...new Set(counts)].join(', ')}`,
    );
    assert.equal(await b.index.count('q'), 5000);
  });

  it('bus carries messages between two backend instances (two nodes) on the same prefix only', async () => {
    const p = freshPrefix();
    const nodeA = await backend(p);
    const nodeB = await backend(p);
    const stranger = await backend();
    const got: string[] = [];
    let wake = (): void => {};
    const off = await nodeA.bus.subscribe('ticket:42', (m) => {
      got.push(m);
      wake();
    });
    await stranger.bus.publish('ticket:42', 'other deployment');
    await nodeB.bus.publish('ticket:42', 'from B');
    while (got.length < 1) await new Promise<void>((r) => (wake = r));
    assert.deepEqual(got, ['from B'], 'a different key prefix is a different bus');
    await off();
  });

  it('sweep deletes rate-limit keys without a TTL, and nothing else', async () => {
    const p = freshPrefix();
    const b = await backend(p);
    await b.limiter.hit('live', 5, 60_000);
    await raw.set(`${p}rl:orphan:1`, '3');
    await raw.set(`${p}rl:orphan:2`, '9');
    await raw.set(`${p}other`, 'keep');
    const neighbour = freshPrefix();
    await raw.set(`${neighbour}rl:orphan`, '1');
    assert.deepEqual(await b.sweep(Date.now()), { expiredKeysRemoved: 2 });
    assert.equal(await raw.exists(`${p}rl:orphan:1`, `${p}rl:orphan:2`), 0);
    assert.equal(await raw.exists(`${p}rl:live`, `${p}other`, `${neighbour}rl:orphan`), 3);
    assert.deepEqual(await b.sweep(Date.now()), { expiredKeysRemoved: 0 });
  });

  it('rate limiter gives every window a TTL, replacing a counter left without one', async () => {
    const p = freshPrefix();
    const b = await backend(p);
    await b.limiter.hit('x', 2, 10_000);
    const ttl = await raw.pttl(`${p}rl:x`);
    assert.ok(ttl > 0 && ttl <= 10_000);
    // A fixed-window counter of an older version, stuck without a TTL, would block its client forever.
    await raw.set(`${p}rl:stuck`, '50');
    const d = await b.limiter.hit('stuck', 2, 10_000);
    assert.equal(d.allowed, true);
    assert.equal(await raw.type(`${p}rl:stuck`), 'zset');
    assert.ok((await raw.pttl(`${p}rl:stuck`)) > 0, 'the stuck counter now expires');
  });

  it('uses the database index from the URL', async () => {
    const db = 9 + Math.floor(Math.random() * 7);
    const url = new URL(TEST_REDIS_URL);
    url.pathname = `/${db}`;
    const p = freshPrefix();
    const b = await backend(p, url.toString());
    await b.index.add('q', [e('a', 'normal', 1)]);
    const other = await rawClient(url.toString());
    try {
      assert.equal(await other.exists(`${p}q:q`), 1);
      assert.equal(await raw.exists(`${p}q:q`), 0, 'not in the default database');
    } finally {
      other.disconnect();
      await deletePrefix(url.toString(), p);
    }
  });

  it('exposes INFO, CONFIG GET and MEMORY PURGE for maintenance', async () => {
    const b = await backend();
    const info = await b.info!('memory');
    assert.ok(Number(info.used_memory) > 0);
    const [, policy] = (await raw.config('GET', 'maxmemory-policy')) as string[];
    assert.equal(await b.configGet!('maxmemory-policy'), policy);
    assert.equal(await b.configGet!('no-such-setting-here'), null);
    assert.equal(typeof (await b.memoryPurge!()), 'boolean');
    assert.deepEqual(parseInfo('# Server\r\nredis_version:7.0.0\r\n\r\nrole:master\r\n'), {
      redis_version: '7.0.0',
      role: 'master',
    });
  });

  it('fails creation with unavailable when nothing listens', async () => {
    await assert.rejects(createRedisBackend({ url: 'redis://127.0.0.1:1', keyPrefix: freshPrefix() }), isUnavailable);
  });

  it('answers unavailable during an outage and recovers by itself afterwards', async () => {
    const proxy = TcpProxy.forUrl(TEST_REDIS_URL, 6379);
    await proxy.start();
    const p = freshPrefix();
    const b = await backend(p, proxy.urlFor(TEST_REDIS_URL));
    const peer = await backend(p); // a node that keeps its connection
    const got: string[] = [];
    await b.bus.subscribe('c', (m) => got.push(m));
    await b.index.add('q', [e('a', 'normal', 1)]);

    await proxy.stop();
    // The client may need a moment to notice the cut; from then on every call fails fast.
    const first = await eventually(async () => {
      try {
        await b.index.count('q');
      } catch (err) {
        return err;
      }
      throw new Error('still answering');
    });
    assert.ok(isUnavailable(first), String(first));
    await assert.rejects(b.index.rank('q', 'a'), isUnavailable);
    await assert.rejects(b.index.add('q', [e('b', 'normal', 2)]), isUnavailable);
    await assert.rejects(b.limiter.hit('k', 1, 1000), isUnavailable);
    await assert.rejects(b.bus.publish('c', 'lost'), isUnavailable);
    await assert.rejects(b.ping(500), isUnavailable);

    await proxy.start();
    await eventually(() => b.ping(500));
    assert.equal(await b.index.rank('q', 'a'), 0);
    // The subscriber connection reconnects and resubscribes on its own.
    await eventually(async () => {
      await peer.bus.publish('c', 'back');
      assert.ok(got.includes('back'));
    });
    await b.close();
    await proxy.stop();
  });
});

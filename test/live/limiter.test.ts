import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import type { RateLimiter } from '../../src/live/contract.js';
import { MemoryRateLimiter } from '../../src/live/memory/limiter.js';
import { RedisRateLimiter } from '../../src/live/redis/limiter.js';
import { deleteRedisPrefix } from '../support/harness.js';
import { skipRedis, TEST_REDIS_URL, uniqueName } from '../support/env.js';
import { listKeys } from './helpers.js';

/** The join limit holds over any window, on both backends; the clock is the test's. */

const MINUTE = 60_000;

interface Limiters {
  readonly name: string;
  readonly skip: string | false;
  make(now: () => number): Promise<RateLimiter>;
  /** Keys left in the backend for this test (Redis only). */
  keys?(): Promise<string[]>;
}

const clients: Redis[] = [];
const prefixes: string[] = [];
after(async () => {
  for (const c of clients) c.disconnect();
  for (const p of prefixes) await deleteRedisPrefix(p);
});

const BACKENDS: Limiters[] = [
  { name: 'in-process', skip: false, make: async (now) => new MemoryRateLimiter(now) },
  {
    name: 'Redis',
    skip: skipRedis,
    async make(now) {
      const client = new Redis(TEST_REDIS_URL);
      clients.push(client);
      const prefix = `${uniqueName('rl')}:`;
      prefixes.push(prefix);
      this.keys = () => listKeys(client, prefix);
      return new RedisRateLimiter(client, prefix, now);
    },
  },
];

async function hits(l: RateLimiter, key: string, n: number, limit: number): Promise<boolean[]> {
  const out: boolean[] = [];
  for (let i = 0; i < n; i++) out.push((await l.hit(key, limit, MINUTE)).allowed);
  return out;
}

for (const b of BACKENDS) {
  describe(`sliding-window rate limit (${b.name})`, { skip: b.skip }, () => {
    test('no more than the limit in any 60 s, across what used to be a window boundary', async () => {
      let t = 1_000_000;
      const l = await b.make(() => t);
      // One hit opens the minute; the rest of the limit arrives just before it ends.
      assert.deepEqual(await hits(l, 'ip', 1, 5), [true]);
      t += 59_500;
      assert.deepEqual(await hits(l, 'ip', 4, 5), [true, true, true, true]);
      // 0.6 s later a fixed window would have reset and let 5 more through; only the first hit
      // has left the last 60 s, so exactly one more is allowed.
      t += 600;
      assert.deepEqual(await hits(l, 'ip', 5, 5), [true, false, false, false, false]);
      // The refusal says when the next hit fits: when the oldest of the five leaves the window.
      const d = await l.hit('ip', 5, MINUTE);
      assert.equal(d.allowed, false);
      assert.equal(d.resetMs, 59_400);
      t += 59_400;
      assert.deepEqual(await hits(l, 'ip', 5, 5), [true, true, true, true, false]);
    });

    test('59 hits in 0.8 s against a limit of 30: never more than 30 in any 60 s, wherever the minute starts', async () => {
      for (const start of [0, 29_700, 59_600]) {
        let t = 5_000_000;
        const l = await b.make(() => t);
        const key = `ip-${start}`;
        const accepted: number[] = [];
        if ((await l.hit(key, 30, MINUTE)).allowed) accepted.push(t);
        t += start;
        for (let i = 0; i < 59; i++) {
          t += 13;
          if ((await l.hit(key, 30, MINUTE)).allowed) accepted.push(t);
        }
        const busiest = Math.max(...accepted.map((a) => accepted.filter((x) => x >= a && x < a + MINUTE).length));
        assert.equal(busiest, 30, `first hit ${start} ms before the burst`);
        assert.ok(accepted.length <= 31, `${accepted.length} accepted`);
      }
    });

    test('refused hits do not push the client further out; keys are separate', async () => {
      let t = 0;
      const l = await b.make(() => t);
      assert.deepEqual(await hits(l, 'a', 3, 2), [true, true, false]);
      t += 10_000;
      assert.deepEqual(await hits(l, 'a', 50, 2).then((r) => r.filter(Boolean).length), 0);
      assert.deepEqual(await hits(l, 'b', 2, 2), [true, true]);
      t += 50_001;
      assert.deepEqual(await hits(l, 'a', 3, 2), [true, true, false]);
      if (b.keys) {
        const keys = await b.keys();
        assert.equal(keys.length, 2, keys.join(', '));
      }
    });
  });
}

describe('sliding-window rate limit (in-process sweep)', () => {
  test('sweep drops only keys whose hits all left their window', async () => {
    let t = 0;
    const l = new MemoryRateLimiter(() => t);
    await l.hit('old', 5, MINUTE);
    t += 30_000;
    await l.hit('new', 5, MINUTE);
    assert.equal(l.sweep(t + 30_000), 1);
    assert.equal(l.size, 1);
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LiveBackend } from '../../src/live/contract.js';
import { createRedisBackend } from '../../src/live/redis/backend.js';
import { skipRedis, TEST_REDIS_URL, uniqueName } from '../support/env.js';
import { TcpProxy } from '../support/harness.js';
import { deletePrefix, eventually } from './helpers.js';

/**
 * A subscriber link only receives, so a link that silently died would never be noticed by waiting
 * for data. The bus pings it; a missed deadline dials again, resubscribes and reports a gap so that
 * watchers resynchronise (src/live/redis/bus.ts).
 */
describe('the Redis bus subscriber link', { skip: skipRedis }, () => {
  const keyPrefix = `qk_test:${uniqueName('bus_health')}:`;
  const proxy = TcpProxy.forUrl(TEST_REDIS_URL, 6379);
  let watched: LiveBackend;
  let direct: LiveBackend;
  before(async () => {
    await proxy.start();
    watched = await createRedisBackend({
      url: proxy.urlFor(TEST_REDIS_URL),
      keyPrefix,
      busHealth: { everyMs: 200, deadlineMs: 300 },
    });
    direct = await createRedisBackend({ url: TEST_REDIS_URL, keyPrefix });
  });
  after(async () => {
    await watched?.close();
    await direct?.close();
    await proxy.stop();
    await deletePrefix(TEST_REDIS_URL, keyPrefix);
  });

  it('gone silent, is found dead, dialled again and resubscribed, and a gap is reported', async () => {
    const got: string[] = [];
    let gaps = 0;
    const offGap = watched.bus.onGap(() => gaps++);
    const off = await watched.bus.subscribe('c', (m) => got.push(m));
    try {
      await direct.bus.publish('c', 'before');
      await eventually(async () => assert.ok(got.includes('before')), 5_000, 20);

      // The open links stay open but carry nothing; a new link would work.
      proxy.silenceOpenLinks();
      let n = 0;
      await eventually(
        async () => {
          const m = `after-${n++}`;
          await direct.bus.publish('c', m);
          await new Promise((r) => setTimeout(r, 50));
          assert.ok(got.includes(m), 'messages reach the subscriber again');
        },
        10_000,
        100,
      );
      assert.ok(gaps >= 1, 'the reconnection was reported as a possible gap');
    } finally {
      offGap();
      await off();
    }
  });
});

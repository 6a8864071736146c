import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { cacheOptimization, createCacheOptimization } from '../../../src/maintenance/steps/upkeep/index.js';
import { COMBOS } from '../../support/harness.js';
import { stepContextOf } from '../../support/maintenance.js';
import { stepNodeFixture, openStepNode, queueWith, type StepNode } from '../../support/step-node.js';
import { type PrivateRedis, skipPrivateRedis, startPrivateRedis } from './support.js';

for (const combo of COMBOS) {
  describe(`cacheOptimization on ${combo.name}`, { skip: combo.skip }, () => {
    const fx = stepNodeFixture(combo);

    it('on a clean system reports the index size, the heap and (Redis) the settings as the server has them', async () => {
      await queueWith(fx.node.rt, 4);
      const out = await cacheOptimization(stepContextOf(fx.node));
      const f = out.figures as Record<string, any>;
      assert.equal(f.backend, fx.node.rt.live.kind);
      assert.deepEqual(f.liveIndex, await fx.node.rt.live.index.stats());
      assert.ok(f.liveIndex.entries >= 4);
      assert.ok(f.processMemory.heapUsedBytes > 0 && f.processMemory.heapUsedBytes <= f.processMemory.heapLimitBytes);
      if (fx.node.rt.live.kind === 'memory') {
        assert.equal(out.status, 'succeeded', JSON.stringify(out.findings));
        assert.deepEqual(f.redis, { status: 'NotConfigured' });
        return;
      }
      // The shared server is read, never changed: the step must say what an independent read says.
      const r = new Redis(fx.node.config.redis?.url as string);
      try {
        const [, policy] = (await r.config('GET', 'maxmemory-policy')) as string[];
        assert.equal(f.redis.eviction.policy, policy);
        assert.equal(f.redis.eviction.source, 'CONFIG GET');
        assert.equal(out.status === 'failed', policy !== 'noeviction', JSON.stringify(out.findings));
        const [, save] = (await r.config('GET', 'save')) as string[];
        assert.equal(f.redis.persistence.save, save);
        assert.ok(['not_needed', 'purged'].includes(f.redis.fragmentation.status));
      } finally {
        r.disconnect();
      }
    });
  });
}

describe('cacheOptimization on a private Redis', { skip: skipPrivateRedis || COMBOS[0]?.skip }, () => {
  let node: StepNode;
  let redis: PrivateRedis | null = null;
  before(async () => {
    node = await openStepNode(COMBOS[0]!); // the store is not used; the live backend is the private Redis
  });
  after(async () => {
    await redis?.stop();
    await node?.close();
  });
  const use = async (extra: string[] = []): Promise<PrivateRedis> => {
    await redis?.stop();
    redis = await startPrivateRedis(extra);
    return redis;
  };

  it('passes with noeviction, and says that no persistence is survived by a rebuild', async () => {
    const r = await use();
    const out = await cacheOptimization(stepContextOf(node, { live: r.live }));
    const f = out.figures as Record<string, any>;
    assert.equal(out.status, 'succeeded', JSON.stringify(out.findings));
    assert.deepEqual(f.redis.eviction, { policy: 'noeviction', source: 'CONFIG GET', maxmemoryBytes: 0 });
    assert.deepEqual(f.redis.persistence, { save: '', appendonly: 'no', persistent: false });
    assert.ok(
      out.findings.some(
        (x) => x.severity === 'info' && /restart empties it.*rebuilding the live index/.test(x.message),
      ),
    );
    // Nearly empty: RSS/used reads high, yet the allocator has nothing to give back, so no purge.
    assert.equal(f.redis.fragmentation.status, 'not_needed');
    assert.ok(f.redis.fragmentation.before.allocatorFragBytes < 10 * 1024 * 1024);
  });

  it('fails on a maxmemory-policy that can evict queue keys', async () => {
    const r = await use(['--maxmemory', '64mb', '--maxmemory-policy', 'allkeys-lru']);
    const out = await cacheOptimization(stepContextOf(node, { live: r.live }));
    assert.equal(out.status, 'failed');
    assert.deepEqual((out.figures as Record<string, any>).redis.eviction, {
      policy: 'allkeys-lru',
      source: 'CONFIG GET',
      maxmemoryBytes: 64 * 1024 * 1024,
    });
    assert.ok(
      out.findings.some(
        (x) => x.severity === 'error' && x.message.includes('allkeys-lru') && x.message.includes('noeviction'),
      ),
    );
  });

  it('with CONFIG disabled reads the policy from INFO and reports persistence as not available', async () => {
    const r = await use(['--rename-command', 'CONFIG', '']);
    const out = await cacheOptimization(stepContextOf(node, { live: r.live }));
    const f = out.figures as Record<string, any>;
    assert.equal(out.status, 'succeeded', JSON.stringify(out.findings));
    assert.deepEqual(f.redis.eviction, { policy: 'noeviction', source: 'INFO memory', maxmemoryBytes: 0 });
    assert.equal(f.redis.persistence.available, false);
    assert.match(f.redis.persistence.reason, /unknown command 'config'/);
  });

  it('runs MEMORY PURGE when fragmentation passes the bounds, and reports before and after', async () => {
    const r = await use();
    const out = await createCacheOptimization({ ratio: 0, bytes: -1 })(stepContextOf(node, { live: r.live }));
    const p = (out.figures as Record<string, any>).redis.fragmentation;
    assert.equal(p.status, 'purged', JSON.stringify(p));
    assert.equal(typeof p.before.allocatorFragRatio, 'number');
    assert.equal(typeof p.after.allocatorFragBytes, 'number');
    assert.equal(p.fragBytesRecovered, p.before.allocatorFragBytes - p.after.allocatorFragBytes);
    assert.ok(out.findings.some((x) => x.message.includes('MEMORY PURGE ran')));
  });

  it('fails, rather than reporting "not available", when Redis cannot be reached', async () => {
    const r = await use();
    await r.client.shutdown('NOSAVE').catch(() => undefined);
    const out = await cacheOptimization(stepContextOf(node, { live: r.live }));
    assert.equal(out.status, 'failed');
    assert.match(out.error ?? '', /fragmentation check/);
  });
});

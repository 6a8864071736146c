import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RecallNotices } from '../../src/domain/recalls.js';
import { MemoryBus } from '../../src/live/memory/bus.js';
import type { Bus } from '../../src/live/contract.js';

/** Recall notices (src/domain/recalls.ts) over the in-process bus, with its first subscribe refused. */
describe('recall notices', () => {
  test('a subscription that failed is tried again by the next listener, and recalls then arrive', async () => {
    const real = new MemoryBus();
    let refuse = true;
    const bus: Bus = {
      publish: (c, m) => real.publish(c, m),
      subscribe: (c, fn) => {
        if (!refuse) return real.subscribe(c, fn);
        refuse = false;
        return Promise.reject(new Error('subscriber link down'));
      },
      onGap: () => () => undefined,
    };
    const errors: unknown[] = [];
    const notices = new RecallNotices(bus, (e) => errors.push(e));
    const heard: string[] = [];
    notices.listen('t_a', () => heard.push('t_a'));
    await new Promise((r) => setImmediate(r));
    assert.equal(errors.length, 1, 'the refused subscribe is reported');

    const offB = notices.listen('t_b', () => heard.push('t_b'));
    await new Promise((r) => setImmediate(r));
    notices.announce('t_b');
    notices.announce('t_a');
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(heard, ['t_b', 't_a']);
    offB();
  });
});

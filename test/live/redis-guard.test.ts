import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ReplyError } from 'ioredis';
import { isAppError } from '../../src/errors/index.js';
import { guard } from '../../src/live/redis/connection.js';

/** What a Redis call sees when it fails: the errors below are those ioredis raises. */
const failing = (errors: Error[]) => {
  let calls = 0;
  return {
    fn: async () => {
      const e = errors[calls++];
      if (e) throw e;
      return 'ok';
    },
    calls: () => calls,
  };
};

describe('Redis calls, retried by error code', () => {
  it('a transient reply (Redis refused to run the command) is tried again with backoff', async () => {
    const f = failing([new ReplyError('LOADING Redis is loading the dataset in memory'), new ReplyError('BUSY x')]);
    assert.equal(await guard(f.fn), 'ok');
    assert.equal(f.calls(), 3);
  });

  it('a transient reply that lasts answers unavailable (503)', async () => {
    const f = failing(Array.from({ length: 5 }, () => new ReplyError('TRYAGAIN later')));
    await assert.rejects(guard(f.fn), (e) => isAppError(e) && e.code === 'unavailable');
    assert.equal(f.calls(), 3);
  });

  it('a bad request, a timeout or a lost link is never retried', async () => {
    const bad = failing([new ReplyError('ERR wrong number of arguments')]);
    await assert.rejects(guard(bad.fn), (e) => e instanceof ReplyError);
    assert.equal(bad.calls(), 1);
    const silent = failing([new Error('Command timed out')]);
    await assert.rejects(guard(silent.fn), (e) => isAppError(e) && e.code === 'unavailable');
    assert.equal(silent.calls(), 1, 'the command may have run: it is not sent again');
  });
});

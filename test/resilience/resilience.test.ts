import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import { backoffMs, DeadlineExceeded, pause, retry, settlesWithin, within } from '../../src/resilience/index.js';

/** Lets pending promise callbacks run, so that timers created by them exist before the clock moves. */
const turn = () => new Promise<void>((r) => setImmediate(r));

describe('deadlines', () => {
  beforeEach(() => mock.timers.enable({ apis: ['setTimeout'] }));
  afterEach(() => mock.timers.reset());

  it('within: the work wins when it settles first, either way', async () => {
    assert.equal(await within(Promise.resolve(7), 1000), 7);
    await assert.rejects(within(Promise.reject(new RangeError('bad')), 1000), RangeError);
  });

  it('within: a silent call is rejected with DeadlineExceeded once its time has passed', async () => {
    const silent = within(new Promise(() => undefined), 1000);
    let settled = false;
    void silent.catch(() => (settled = true));
    mock.timers.tick(999);
    await turn();
    assert.equal(settled, false);
    mock.timers.tick(1);
    await assert.rejects(silent, DeadlineExceeded);
  });

  it('within: an aborted signal ends the wait with its reason', async () => {
    const stop = new AbortController();
    const waiting = within(new Promise(() => undefined), 60_000, stop.signal);
    stop.abort(new Error('stopping'));
    await assert.rejects(waiting, /stopping/);
  });

  it('settlesWithin and pause give up quietly', async () => {
    const never = settlesWithin(new Promise(() => undefined), 500);
    const failed = settlesWithin(Promise.reject(new Error('x')), 500);
    mock.timers.tick(500);
    assert.equal(await never, false);
    assert.equal(await failed, true);
    const stop = new AbortController();
    const p = pause(10_000, stop.signal);
    stop.abort();
    assert.equal(await p, false);
  });
});

describe('retry with backoff', () => {
  it('retries only what is retryable, at most `attempts` times in all', async () => {
    const transient = Object.assign(new Error('busy'), { code: 'BUSY' });
    let calls = 0;
    const policy = {
      attempts: 3,
      baseMs: 1,
      maxMs: 2,
      retryable: (e: unknown) => (e as { code?: string }).code === 'BUSY',
    };
    await assert.rejects(
      retry(async () => {
        calls++;
        throw transient;
      }, policy),
      /busy/,
    );
    assert.equal(calls, 3);
    calls = 0;
    await assert.rejects(
      retry(async () => {
        calls++;
        throw new TypeError('bad request');
      }, policy),
      TypeError,
    );
    assert.equal(calls, 1, 'a bad request is never retried');
    calls = 0;
    assert.equal(await retry(async () => (++calls < 2 ? Promise.reject(transient) : 'ok'), policy), 'ok');
  });

  it('backoff doubles up to its cap, and half of each delay is random', () => {
    const b = { baseMs: 100, maxMs: 1000 };
    for (let i = 0; i < 200; i++) {
      const first = backoffMs(0, b);
      assert.ok(first >= 50 && first <= 100, String(first));
      const third = backoffMs(2, b);
      assert.ok(third >= 200 && third <= 400, String(third));
      const late = backoffMs(40, b);
      assert.ok(late >= 500 && late <= 1000, String(late));
    }
  });
});

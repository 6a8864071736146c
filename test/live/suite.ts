import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { WaitingEntry } from '../../src/domain/types.js';
import type { LiveBackend } from '../../src/live/contract.js';
import { seeded } from '../support/seeded.js';
import { entry as e, referenceOrder, sleep } from './helpers.js';

export interface BackendHarness {
  /** A fresh backend that shares no data with any other test. */
  open(): Promise<{ backend: LiveBackend; dispose(): Promise<void> }>;
  /** Property-test size: Redis pays a round trip per call, memory does not. */
  scale: { steps: number; batch: number; checkEvery: number };
}

/** The behaviour every live backend must share; run once per backend (and configuration). */
export function liveBackendSuite(name: string, harness: BackendHarness, skip: string | false = false): void {
  describe(name, { skip }, () => {
    let b: LiveBackend;
    let dispose: () => Promise<void>;
    beforeEach(async () => {
      ({ backend: b, dispose } = await harness.open());
    });
    afterEach(async () => {
      await dispose();
    });

    it('orders high priority first, then by seq (FIFO), whatever the insertion order', async () => {
      await b.index.add('q', [e('n3', 'normal', 30), e('n1', 'normal', 10)]);
      await b.index.add('q', [e('h2', 'high', 25), e('n2', 'normal', 20), e('h1', 'high', 5)]);
      assert.deepEqual(await b.index.range('q', 0, 10), ['h1', 'h2', 'n1', 'n2', 'n3']);
      assert.equal(await b.index.rank('q', 'h1'), 0);
      assert.equal(await b.index.rank('q', 'n1'), 2);
      assert.equal(await b.index.rank('q', 'n3'), 4);
      assert.equal(await b.index.rank('q', 'missing'), null);
      assert.equal(await b.index.rank('other', 'n1'), null);
    });

    it('counts the waiting entries of every queue that has any', async () => {
      assert.deepEqual(await b.index.counts(), new Map());
      await b.index.add('a', [e('a1', 'normal', 1), e('a2', 'high', 2)]);
      await b.index.add('b', [e('b1', 'normal', 1)]);
      await b.index.add('c', [e('c1', 'normal', 1)]);
      await b.index.remove('c', ['c1']);
      assert.deepEqual(
        await b.index.counts(),
        new Map([
          ['a', 2],
          ['b', 1],
        ]),
      );
    });

    it('keeps seqs near 2^52 exact and apart from the other class', async () => {
      const top = 2 ** 52 - 1;
      await b.index.add('q', [
        e('n-top', 'normal', top),
        e('n-below', 'normal', top - 1),
        e('h-top', 'high', top),
        e('n-low', 'normal', 0),
      ]);
      assert.deepEqual(await b.index.range('q', 0, 10), ['h-top', 'n-low', 'n-below', 'n-top']);
      await assert.rejects(b.index.add('q', [e('bad', 'normal', 2 ** 52)]), RangeError);
      await assert.rejects(b.index.add('q', [e('bad', 'normal', 1.5)]), RangeError);
      await assert.rejects(b.index.add('q', [e('', 'normal', 1)]), RangeError);
      assert.equal(await b.index.count('q'), 4);
    });

    it('counts and pages through ranges', async () => {
      await b.index.add(
        'q',
        Array.from({ length: 7 }, (_, i) => e(`t${i}`, 'normal', i + 1)),
      );
      assert.equal(await b.index.count('q'), 7);
      assert.equal(await b.index.count('empty'), 0);
      assert.deepEqual(await b.index.range('q', 0, 3), ['t0', 't1', 't2']);
      assert.deepEqual(await b.index.range('q', 3, 3), ['t3', 't4', 't5']);
      assert.deepEqual(await b.index.range('q', 6, 3), ['t6']);
      assert.deepEqual(await b.index.range('q', 7, 3), []);
      assert.deepEqual(await b.index.range('q', 2, 0), []);
      assert.deepEqual(await b.index.range('q', -5, 2), ['t0', 't1']);
      assert.deepEqual(await b.index.range('q', 5, Infinity), ['t5', 't6']);
      assert.deepEqual(await b.index.range('empty', 0, 5), []);
    });

    it('is idempotent: re-adding keeps the first place, removing twice is harmless', async () => {
      await b.index.add('q', [e('a', 'normal', 1), e('b', 'normal', 2)]);
      await b.index.add('q', [e('a', 'high', 99), e('b', 'normal', 2), e('c', 'normal', 3), e('c', 'high', 4)]);
      assert.deepEqual(await b.index.range('q', 0, 10), ['a', 'b', 'c']);
      await b.index.remove('q', ['b', 'b', 'nope']);
      await b.index.remove('q', ['b']);
      await b.index.remove('no-such-queue', ['a']);
      await b.index.add('q', []);
      await b.index.remove('q', []);
      assert.deepEqual(await b.index.range('q', 0, 10), ['a', 'c']);
      assert.equal(await b.index.count('q'), 2);
    });

    it("a join's late add does not bring back a ticket removed since; other adds still do", async () => {
      await b.index.add('q', [e('a', 'normal', 1)]);
      // An admission or a call committed between the join's commit and its index add.
      await b.index.remove('q', ['late', 'a']);
      await b.index.addJoined('q', [e('late', 'normal', 2), e('fresh', 'normal', 3)]);
      assert.deepEqual(await b.index.range('q', 0, 10), ['fresh']);
      assert.equal(await b.index.rank('q', 'late'), null);
      assert.equal(await b.index.rank('other', 'fresh'), null);
      // The removal is per queue, and a requeue (a plain add) puts a removed ticket back.
      await b.index.addJoined('other', [e('late', 'normal', 2)]);
      assert.equal(await b.index.rank('other', 'late'), 0);
      await b.index.add('q', [e('a', 'normal', 4)]);
      assert.deepEqual(await b.index.range('q', 0, 10), ['fresh', 'a']);
    });

    it('lists queues with entries only, and drops a queue', async () => {
      await b.index.add('q2', [e('x', 'normal', 1)]);
      await b.index.add('q1', [e('y', 'normal', 1), e('z', 'high', 2)]);
      assert.deepEqual(await b.index.queueIds(), ['q1', 'q2']);
      await b.index.remove('q2', ['x']);
      assert.deepEqual(await b.index.queueIds(), ['q1']);
      await b.index.dropQueue('q1');
      await b.index.dropQueue('never-existed');
      assert.deepEqual(await b.index.queueIds(), []);
      assert.equal(await b.index.rank('q1', 'y'), null);
      const s = await b.index.stats();
      assert.deepEqual([s.entries, s.queues], [0, 0]);
    });

    it('reports stats for the live index', async () => {
      await b.index.add('q1', [e('a', 'normal', 1), e('b', 'normal', 2)]);
      await b.index.add('q2', [e('c', 'high', 1)]);
      const s = await b.index.stats();
      assert.equal(s.entries, 3);
      assert.equal(s.queues, 2);
      assert.ok(s.bytes === null || s.bytes > 0);
    });

    it('keeps exact ranks against a reference through seeded random adds and removes', async () => {
      const { steps, batch, checkEvery } = harness.scale;
      for (const seed of [7, 42, 1234]) {
        const rnd = seeded(seed);
        const q = `prop-${seed}`;
        const ref = new Map<string, WaitingEntry>();
        let nextSeq = 1;
        let nextId = 0;
        const check = async (): Promise<void> => {
          const want = referenceOrder(ref.values());
          assert.equal(await b.index.count(q), want.length, `count, seed ${seed}`);
          assert.deepEqual(await b.index.range(q, 0, want.length + 5), want, `full range, seed ${seed}`);
          const ranks = await Promise.all(want.map((id) => b.index.rank(q, id)));
          assert.deepEqual(
            ranks,
            want.map((_, i) => i),
            `ranks, seed ${seed}`,
          );
          for (let k = 0; k < 5; k++) {
            const start = Math.floor(rnd() * (want.length + 3));
            const limit = Math.floor(rnd() * 12);
            assert.deepEqual(
              await b.index.range(q, start, limit),
              want.slice(start, start + limit),
              `range(${start}, ${limit})`,
            );
          }
          assert.equal(await b.index.rank(q, `absent-${seed}`), null);
        };
        for (let step = 0; step < steps; step++) {
          if (rnd() < 0.6 || ref.size === 0) {
            const add: WaitingEntry[] = [];
            const n = 1 + Math.floor(rnd() * batch);
            for (let i = 0; i < n; i++) {
              const present = [...ref.keys()];
              if (present.length > 0 && rnd() < 0.1) {
                // A repeat add with a different place must change nothing.
                add.push(
                  e(
                    present[Math.floor(rnd() * present.length)]!,
                    rnd() < 0.5 ? 'high' : 'normal',
                    1 + Math.floor(rnd() * 1e6),
                  ),
                );
                continue;
              }
              const r = rnd();
              // Mostly growing seqs (joins), some sparse or out of order (requeues, other nodes), a few huge.
              const seq =
                r < 0.7
                  ? (nextSeq += 1 + Math.floor(rnd() * 3))
                  : r < 0.97
                    ? 1 + Math.floor(rnd() * nextSeq * 50)
                    : 2 ** 52 - 1 - Math.floor(rnd() * 1000);
              const item = e(`s${seed}-${nextId++}`, rnd() < 0.25 ? 'high' : 'normal', seq);
              add.push(item);
            }
            for (const item of add) if (!ref.has(item.ticketId)) ref.set(item.ticketId, item);
            await b.index.add(q, add);
          } else {
            const order = referenceOrder(ref.values());
            const drop: string[] = [];
            const n = 1 + Math.floor(rnd() * batch);
            for (let i = 0; i < n; i++) {
              const r = rnd();
              // Calls take from the front; leaves and expiries take from anywhere; some ids are stale.
              if (r < 0.4) drop.push(order[i] ?? 'gone');
              else if (r < 0.9) drop.push(order[Math.floor(rnd() * order.length)] ?? 'gone');
              else drop.push(`never-${seed}-${i}`);
            }
            for (const id of drop) ref.delete(id);
            await b.index.remove(q, drop);
          }
          if (step % checkEvery === 0) await check();
        }
        await check();
      }
    });

    it('replaceAll swaps the whole live index and snapshot returns it', async () => {
      assert.equal(await b.index.isBuilt(), false, 'a fresh index needs a rebuild');
      await b.index.add('old', [e('gone', 'normal', 1)]);
      await b.index.add('q1', [e('stale', 'normal', 1)]);
      const order = new Map<string, WaitingEntry[]>([
        ['q1', [e('b', 'normal', 5), e('a', 'high', 9), e('c', 'normal', 2), e('b', 'high', 1)]],
        ['q2', [e('x', 'normal', 1)]],
        ['empty', []],
      ]);
      await b.index.replaceAll(order);
      assert.equal(await b.index.isBuilt(), true);
      assert.deepEqual(
        await b.index.snapshot(),
        new Map([
          ['q1', ['a', 'c', 'b']],
          ['q2', ['x']],
        ]),
      );
      assert.deepEqual(await b.index.queueIds(), ['q1', 'q2']);
      assert.equal(await b.index.rank('q1', 'stale'), null);
      assert.equal(await b.index.count('old'), 0);
      // The rebuilt index keeps working incrementally.
      await b.index.add('q1', [e('d', 'high', 10)]);
      assert.equal(await b.index.rank('q1', 'd'), 1);
      await b.index.replaceAll(new Map());
      assert.deepEqual(await b.index.snapshot(), new Map());
      assert.equal(await b.index.isBuilt(), true);
    });

    it('keeps namespaces apart from the live index and from each other', async () => {
      await b.index.add('q1', [e('live1', 'normal', 1), e('live2', 'normal', 2)]);
      await b.index.replaceAll(
        new Map([
          ['q1', [e('ns1', 'normal', 1)]],
          ['q9', [e('ns9', 'high', 3)]],
        ]),
        'dr',
      );
      await b.index.replaceAll(new Map([['q1', [e('other', 'normal', 1)]]]), 'dr:x');
      assert.equal(await b.index.isBuilt(), false, 'a scratch copy does not count as a rebuild');
      assert.deepEqual(await b.index.snapshot(), new Map([['q1', ['live1', 'live2']]]));
      assert.deepEqual(await b.index.queueIds(), ['q1']);
      assert.deepEqual(
        await b.index.snapshot('dr'),
        new Map([
          ['q1', ['ns1']],
          ['q9', ['ns9']],
        ]),
      );
      await b.index.add('q1', [e('live3', 'normal', 3)]);
      assert.deepEqual(
        await b.index.snapshot('dr'),
        new Map([
          ['q1', ['ns1']],
          ['q9', ['ns9']],
        ]),
      );
      await b.index.dropNamespace('dr');
      assert.deepEqual(await b.index.snapshot('dr'), new Map());
      assert.deepEqual(await b.index.snapshot('dr:x'), new Map([['q1', ['other']]]));
      assert.deepEqual(await b.index.snapshot(), new Map([['q1', ['live1', 'live2', 'live3']]]));
      await b.index.dropNamespace('dr:x');
      await b.index.dropNamespace('never-made');
      assert.deepEqual(await b.index.snapshot('dr:x'), new Map());
    });

    it('rate limiter allows up to the limit, denies after, per key, and resets with the window', async () => {
      const windowMs = 300;
      const seen = [];
      for (let i = 0; i < 4; i++) seen.push(await b.limiter.hit('ip:1', 3, windowMs));
      assert.deepEqual(
        seen.map((d) => [d.allowed, d.remaining]),
        [
          [true, 2],
          [true, 1],
          [true, 0],
          [false, 0],
        ],
      );
      for (const d of seen) assert.ok(d.resetMs > 0 && d.resetMs <= windowMs, `resetMs ${d.resetMs}`);
      assert.equal((await b.limiter.hit('ip:2', 3, windowMs)).remaining, 2, 'keys count separately');
      await sleep(seen[3]!.resetMs + 50);
      const after = await b.limiter.hit('ip:1', 3, windowMs);
      assert.deepEqual([after.allowed, after.remaining], [true, 2]);
    });

    it('sweep leaves live windows alone', async () => {
      assert.deepEqual(await b.sweep(Date.now()), { expiredKeysRemoved: 0 });
      await b.limiter.hit('k', 5, 60_000);
      assert.deepEqual(await b.sweep(Date.now()), { expiredKeysRemoved: 0 });
      assert.equal((await b.limiter.hit('k', 5, 60_000)).remaining, 3, 'the window survived the sweep');
    });

    it('bus delivers to every subscriber until it unsubscribes', async () => {
      const got: string[] = [];
      const done = new Set<string>();
      let wake = (): void => {};
      const waitFor = async (msg: string): Promise<void> => {
        while (!done.has(msg)) await new Promise<void>((r) => (wake = r));
      };
      const track = (tag: string) => (m: string) => {
        got.push(`${tag}:${m}`);
        done.add(m);
        wake();
      };
      const offA = await b.bus.subscribe('ticket:1', track('a'));
      const offB = await b.bus.subscribe('ticket:1', track('b'));
      const offC = await b.bus.subscribe('ticket:2', track('c'));
      await b.bus.publish('ticket:1', 'one');
      await b.bus.publish('ticket:2', 'two');
      await waitFor('two');
      await offA();
      await offA();
      await b.bus.publish('ticket:1', 'three');
      await waitFor('three');
      await offB();
      // Messages arrive in publish order: once 'five' is here, 'four' would have been too.
      await b.bus.publish('ticket:1', 'four');
      await b.bus.publish('ticket:2', 'five');
      await waitFor('five');
      assert.deepEqual(got.sort(), ['a:one', 'b:one', 'b:three', 'c:five', 'c:two']);
      await offC();
    });

    it('ping answers with a latency', async () => {
      const ms = await b.ping(2000);
      assert.ok(Number.isFinite(ms) && ms >= 0);
    });
  });
}

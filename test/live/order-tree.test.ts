import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, it } from 'node:test';
import { createMemoryBackend } from '../../src/live/memory/backend.js';
import { Fenwick } from '../../src/live/memory/fenwick.js';
import { OrderTree } from '../../src/live/memory/order-tree.js';
import { seeded } from '../support/seeded.js';

type Pair = { key: number; id: string };
const cmp = (a: Pair, b: Pair): number => (a.key !== b.key ? a.key - b.key : a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** Checks every observable of the tree against a sorted array. */
function same(tree: OrderTree, ref: Pair[], rnd: () => number): void {
  const want = ref.map((p) => p.id);
  assert.equal(tree.size, ref.length);
  assert.deepEqual(tree.toArray(), want);
  for (let k = 0; k < 40 && ref.length > 0; k++) {
    const i = Math.floor(rnd() * ref.length);
    assert.equal(tree.rank(ref[i]!.key, ref[i]!.id), i);
    const limit = Math.floor(rnd() * 50);
    assert.deepEqual(tree.slice(i, limit), want.slice(i, i + limit));
  }
  assert.equal(tree.rank(-1, 'nope'), -1);
}

describe('order tree', () => {
  for (const capacity of [4, 7, 64, 1024]) {
    it(`matches a sorted array under random inserts and deletes (block capacity ${capacity})`, () => {
      const rnd = seeded(capacity);
      const tree = new OrderTree(capacity);
      let ref: Pair[] = [];
      let tail = 0;
      let id = 0;
      for (let round = 0; round < 60; round++) {
        // Phases alternate between growth and drain so blocks both split and empty out.
        const growing = round % 3 !== 2;
        for (let i = 0; i < 150; i++) {
          if (ref.length === 0 || (growing ? rnd() < 0.75 : rnd() < 0.25)) {
            const r = rnd();
            const key =
              r < 0.6
                ? (tail += 1 + Math.floor(rnd() * 4))
                : r < 0.8
                  ? Math.floor(rnd() * tail)
                  : 2 ** 52 + Math.floor(rnd() * tail);
            const p = { key, id: `i${id++}` };
            tree.insert(p.key, p.id);
            ref.push(p);
          } else {
            const i = rnd() < 0.5 ? 0 : Math.floor(rnd() * ref.length);
            const [p] = ref.sort(cmp).splice(i, 1);
            assert.equal(tree.delete(p!.key, p!.id), true);
            assert.equal(tree.delete(p!.key, p!.id), false);
          }
        }
        ref = ref.sort(cmp);
        same(tree, ref, rnd);
      }
    });
  }

  it('bulk-loads sorted pairs and then keeps working incrementally', () => {
    const rnd = seeded(99);
    const ref: Pair[] = Array.from({ length: 5000 }, (_, i) => ({ key: i * 2, id: `b${i}` }));
    const tree = OrderTree.fromSorted(
      ref.map((p) => p.key),
      ref.map((p) => p.id),
      64,
    );
    same(tree, ref, rnd);
    for (let i = 0; i < 500; i++) {
      const p = { key: Math.floor(rnd() * 10_000), id: `x${i}` };
      tree.insert(p.key, p.id);
      ref.push(p);
    }
    ref.sort(cmp);
    same(tree, ref, rnd);
  });

  it('orders equal keys by id, as Redis orders equal scores', () => {
    const tree = new OrderTree(4);
    for (const id of ['m', 'c', 'x', 'a', 'q']) tree.insert(5, id);
    assert.deepEqual(tree.toArray(), ['a', 'c', 'm', 'q', 'x']);
    assert.equal(tree.rank(5, 'q'), 3);
  });
});

describe('fenwick', () => {
  it('answers prefix sums and finds the slot of the k-th item', () => {
    const sizes = [3, 0, 5, 1, 0, 0, 7, 2];
    const f = new Fenwick(sizes);
    for (let i = 0; i <= sizes.length; i++)
      assert.equal(
        f.prefix(i),
        sizes.slice(0, i).reduce((a, b) => a + b, 0),
      );
    const flat = sizes.flatMap((n, slot) => Array.from({ length: n }, (_, offset) => ({ slot, offset })));
    flat.forEach((want, k) => assert.deepEqual(f.find(k), want));
    f.add(1, 4);
    assert.equal(f.prefix(2), 7);
    assert.deepEqual(f.find(3), { slot: 1, offset: 0 });
  });
});

/** 36 characters like a UUID, built by concatenation as real ids often are (cons strings). */
const uuidLike = (j: number): string =>
  `${(0x10000000 + j).toString(16)}-0000-4000-8000-${(0x100000000000 + j).toString(16)}`;

describe('memory index size', () => {
  it('holds 1,000,000 waiting tickets in one queue in under 300 bytes each', async (t) => {
    // Reach the collector without --expose-gc on the command line, so heap deltas mean something.
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const used = (): number => {
      gc();
      gc();
      const m = process.memoryUsage();
      return m.heapUsed + m.arrayBuffers;
    };
    const n = 1_000_000;
    const base = used();
    const b = createMemoryBackend();
    for (let i = 0; i < n; i += 10_000) {
      const batch = [];
      for (let j = i; j < i + 10_000; j++) {
        batch.push({
          ticketId: uuidLike(j),
          priority: j % 10 === 0 ? ('high' as const) : ('normal' as const),
          seq: 1 + j * 3,
        });
      }
      await b.index.add('big', batch);
    }
    const perTicket = (used() - base) / n;
    assert.equal(await b.index.count('big'), n);
    assert.equal(await b.index.rank('big', uuidLike(10)), 1, 'the second high-priority ticket');
    t.diagnostic(`${perTicket.toFixed(1)} bytes per waiting ticket (heap + typed arrays, ids included)`);
    assert.ok(perTicket < 300, `${perTicket.toFixed(1)} bytes per waiting ticket`);
    const est = (await b.index.stats()).bytes!;
    assert.ok(
      est / n > perTicket / 2 && est / n < perTicket * 2,
      `stats estimate ${(est / n).toFixed(1)} vs measured ${perTicket.toFixed(1)}`,
    );
    await b.close();
  });
});

/**
 * A Fenwick (binary indexed) tree of counts: prefix sums and "which slot holds the k-th item" in
 * O(log n). The order tree keeps one over its block sizes. Int32 is enough: a queue never holds
 * two billion tickets, and it halves the memory of a Float64Array.
 */
export class Fenwick {
  private tree: Int32Array;

  constructor(sizes: ArrayLike<number> = []) {
    this.tree = new Int32Array(sizes.length + 1);
    this.reset(sizes);
  }

  get length(): number {
    return this.tree.length - 1;
  }

  /** Linear-time construction, reusing the buffer when the length is unchanged. */
  reset(sizes: ArrayLike<number>): void {
    const n = sizes.length;
    const t = this.tree.length === n + 1 ? this.tree.fill(0) : new Int32Array(n + 1);
    for (let i = 1; i <= n; i++) {
      t[i]! += sizes[i - 1]!;
      const j = i + (i & -i);
      if (j <= n) t[j]! += t[i]!;
    }
    this.tree = t;
  }

  /** Sum of slots [0, slot). */
  prefix(slot: number): number {
    let sum = 0;
    for (let i = slot; i > 0; i -= i & -i) sum += this.tree[i]!;
    return sum;
  }

  add(slot: number, delta: number): void {
    const n = this.tree.length - 1;
    for (let i = slot + 1; i <= n; i += i & -i) this.tree[i]! += delta;
  }

  /**
   * The slot holding item number `k` (zero-based) and k's offset inside it, by descending the
   * tree. Assumes non-negative counts and k < total.
   */
  find(k: number): { slot: number; offset: number } {
    const n = this.tree.length - 1;
    let slot = 0;
    let rest = k;
    for (let step = n === 0 ? 0 : 1 << (31 - Math.clz32(n)); step > 0; step >>>= 1) {
      const next = slot + step;
      if (next <= n && this.tree[next]! <= rest) {
        slot = next;
        rest -= this.tree[next]!;
      }
    }
    return { slot, offset: rest };
  }

  get byteLength(): number {
    return this.tree.byteLength;
  }
}

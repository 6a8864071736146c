import { Fenwick } from './fenwick.js';

/**
 * An order-statistic list of (key, id) pairs sorted by key, then id (the tie-break Redis uses for
 * equal scores, so both backends agree). It is a two-level B-tree: sorted blocks of at most
 * `capacity` pairs, plus a Fenwick tree over the block sizes, so rank = pairs in earlier blocks +
 * position inside the block, in O(log n).
 *
 * Why blocks and not a Fenwick tree indexed by seq: seqs are sparse and can arrive out of order
 * (requeues, rebuilds, several nodes). Blocks cost memory per entry, not per seq value, and never
 * need a rebase. Keys live in Float64Arrays (8 bytes each, no boxing).
 */
interface Block {
  /** Grows by doubling up to the block capacity; only the first `ids.length` slots are used. */
  keys: Float64Array;
  ids: string[];
}

const MIN_KEYS = 16;

function cmp(k1: number, id1: string, k2: number, id2: string): number {
  if (k1 !== k2) return k1 < k2 ? -1 : 1;
  return id1 === id2 ? 0 : id1 < id2 ? -1 : 1;
}

/** First slot whose pair is >= (key, id). */
function lowerBound(b: Block, key: number, id: string): number {
  let lo = 0;
  let hi = b.ids.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cmp(b.keys[mid]!, b.ids[mid]!, key, id) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export class OrderTree {
  private blocks: Block[] = [];
  /** Counts per block. Rebuilt lazily after blocks split, merge or vanish (every ~capacity updates). */
  private readonly fenwick = new Fenwick();
  private stale = false;
  private total = 0;

  constructor(private readonly capacity = 1024) {
    if (!Number.isInteger(capacity) || capacity < 4) throw new RangeError('capacity must be an integer >= 4');
  }

  /** Builds from pairs already sorted by (key, id) and unique; fills blocks completely. */
  static fromSorted(keys: ArrayLike<number>, ids: readonly string[], capacity?: number): OrderTree {
    const t = new OrderTree(capacity);
    for (let i = 0; i < ids.length; i += t.capacity) {
      const end = Math.min(ids.length, i + t.capacity);
      const k = new Float64Array(Math.max(MIN_KEYS, end - i));
      for (let j = i; j < end; j++) k[j - i] = keys[j]!;
      t.blocks.push({ keys: k, ids: ids.slice(i, end) });
    }
    t.total = ids.length;
    t.stale = true;
    return t;
  }

  get size(): number {
    return this.total;
  }

  /** Inserts a pair; the caller guarantees it is not present (it keeps the id map). */
  insert(key: number, id: string): void {
    if (this.blocks.length === 0) {
      this.blocks.push({ keys: new Float64Array(MIN_KEYS), ids: [] });
      this.stale = true;
    }
    let bi = this.findBlock(key, id);
    let b = this.blocks[bi]!;
    let pos = lowerBound(b, key, id);
    if (b.ids.length >= this.capacity) {
      this.stale = true;
      if (bi === this.blocks.length - 1 && pos === b.ids.length) {
        // Joins append at the tail: a fresh block keeps every earlier block full.
        b = { keys: new Float64Array(MIN_KEYS), ids: [] };
        this.blocks.push(b);
        bi++;
        pos = 0;
      } else {
        const half = b.ids.length >>> 1;
        const right: Block = { keys: b.keys.slice(half), ids: b.ids.slice(half) };
        b.ids.length = half;
        this.blocks.splice(bi + 1, 0, right);
        if (pos > half) {
          b = right;
          bi++;
          pos -= half;
        }
      }
    }
    const n = b.ids.length;
    if (n === b.keys.length) {
      const grown = new Float64Array(Math.min(this.capacity, n * 2));
      grown.set(b.keys);
      b.keys = grown;
    }
    b.keys.copyWithin(pos + 1, pos, n);
    b.keys[pos] = key;
    if (pos === n) b.ids.push(id);
    else b.ids.splice(pos, 0, id);
    this.total++;
    if (!this.stale) this.bump(bi, 1);
  }

  /** Removes a pair; returns false when it was not present. */
  delete(key: number, id: string): boolean {
    if (this.total === 0) return false;
    const bi = this.findBlock(key, id);
    const b = this.blocks[bi]!;
    const pos = lowerBound(b, key, id);
    if (pos >= b.ids.length || b.keys[pos] !== key || b.ids[pos] !== id) return false;
    const n = b.ids.length;
    b.keys.copyWithin(pos, pos + 1, n);
    if (pos === 0) b.ids.shift();
    else b.ids.splice(pos, 1);
    this.total--;
    if (n - 1 === 0) {
      this.blocks.splice(bi, 1);
      this.stale = true;
    } else if (n - 1 < this.capacity / 8 && this.mergeNeighbour(bi)) {
      this.stale = true;
    } else {
      // Dequeues drain blocks from the front: give back key space that is mostly unused.
      if (b.keys.length > MIN_KEYS && (n - 1) * 4 < b.keys.length) b.keys = b.keys.slice(0, b.keys.length >>> 1);
      if (!this.stale) this.bump(bi, -1);
    }
    return true;
  }

  /** Zero-based position of the pair, or -1 when absent. */
  rank(key: number, id: string): number {
    if (this.total === 0) return -1;
    const bi = this.findBlock(key, id);
    const b = this.blocks[bi]!;
    const pos = lowerBound(b, key, id);
    if (pos >= b.ids.length || b.keys[pos] !== key || b.ids[pos] !== id) return -1;
    return this.prefix(bi) + pos;
  }

  /** Ids from position `start`, at most `limit`, found by descending the Fenwick tree. */
  slice(start: number, limit: number): string[] {
    const out: string[] = [];
    if (start >= this.total || limit <= 0) return out;
    this.refresh();
    const n = this.blocks.length;
    let { slot: bi, offset: rest } = this.fenwick.find(start);
    for (; bi < n && out.length < limit; bi++, rest = 0) {
      const ids = this.blocks[bi]!.ids;
      const end = Math.min(ids.length, rest + limit - out.length);
      for (let i = rest; i < end; i++) out.push(ids[i]!);
    }
    return out;
  }

  toArray(): string[] {
    return this.blocks.flatMap((b) => b.ids);
  }

  /** Typed-array and pointer bytes held by the tree (not the id strings themselves). */
  bytes(): number {
    let sum = this.fenwick.byteLength + this.blocks.length * 64;
    for (const b of this.blocks) sum += b.keys.byteLength + b.ids.length * 8;
    return sum;
  }

  /** Last block whose first pair is <= (key, id), or 0 when the pair sorts before all. */
  private findBlock(key: number, id: string): number {
    let lo = 0;
    let hi = this.blocks.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      const b = this.blocks[mid]!;
      if (cmp(b.keys[0]!, b.ids[0]!, key, id) <= 0) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** Folds a nearly empty block into a neighbour so the block count stays O(n / capacity). */
  private mergeNeighbour(bi: number): boolean {
    for (const li of [bi - 1, bi]) {
      const left = this.blocks[li];
      const right = this.blocks[li + 1];
      if (!left || !right || left.ids.length + right.ids.length > this.capacity / 2) continue;
      const n = left.ids.length + right.ids.length;
      const keys = new Float64Array(Math.max(MIN_KEYS, n));
      keys.set(left.keys.subarray(0, left.ids.length));
      keys.set(right.keys.subarray(0, right.ids.length), left.ids.length);
      this.blocks.splice(li, 2, { keys, ids: left.ids.concat(right.ids) });
      return true;
    }
    return false;
  }

  private prefix(bi: number): number {
    this.refresh();
    return this.fenwick.prefix(bi);
  }

  private bump(bi: number, delta: number): void {
    this.fenwick.add(bi, delta);
  }

  private refresh(): void {
    if (!this.stale) return;
    this.fenwick.reset(this.blocks.map((b) => b.ids.length));
    this.stale = false;
  }
}

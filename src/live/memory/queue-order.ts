import type { WaitingEntry } from '../../domain/types.js';
import { CLASS_SPAN, orderKey } from '../order-key.js';
import { OrderTree } from './order-tree.js';

/** Rough V8 cost of one Map entry (three tagged slots plus its share of buckets and slack). */
const MAP_ENTRY_BYTES = 40;
/** V8 string header; ids are ASCII in practice, one byte per character. */
const STRING_HEADER_BYTES = 16;

/**
 * The key is packed as seq*2 + class rather than stored as the order key itself: values below
 * 2^30 stay small integers inside the Map instead of boxed doubles (16 bytes each saved).
 */
function pack(key: number): number {
  const cls = key >= CLASS_SPAN ? 1 : 0;
  return (key - cls * CLASS_SPAN) * 2 + cls;
}

function unpack(packed: number): number {
  const cls = packed % 2;
  return cls * CLASS_SPAN + (packed - cls) / 2;
}

interface Pair {
  key: number;
  id: string;
}

const before = (a: Pair, b: Pair): number => (a.key !== b.key ? a.key - b.key : a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** One queue's waiting order. The id map makes add/remove idempotent and finds a ticket's key. */
export class QueueOrder {
  private readonly byId = new Map<string, number>();
  private tree: OrderTree;
  private idChars = 0;

  constructor(capacity?: number) {
    this.tree = new OrderTree(capacity);
  }

  /** Bulk build for rebuilds: one sort and full blocks instead of n inserts. */
  static build(entries: readonly WaitingEntry[], capacity?: number): QueueOrder {
    const q = new QueueOrder(capacity);
    // Every high key sorts before every normal key, so sorting each class alone is enough, and the
    // database usually hands each class over in seq order already: then nothing is sorted at all.
    const classes: Pair[][] = [[], []];
    for (const e of entries) {
      if (q.byId.has(e.ticketId)) continue; // first wins, as with repeated adds
      const key = orderKey(e);
      q.byId.set(e.ticketId, pack(key));
      q.idChars += e.ticketId.length;
      classes[key >= CLASS_SPAN ? 1 : 0]!.push({ key, id: e.ticketId });
    }
    const keys: number[] = [];
    const ids: string[] = [];
    for (const pairs of classes) {
      let sorted = true;
      for (let i = 1; i < pairs.length && sorted; i++) sorted = before(pairs[i - 1]!, pairs[i]!) < 0;
      if (!sorted) pairs.sort(before);
      for (const p of pairs) {
        keys.push(p.key);
        ids.push(p.id);
      }
    }
    q.tree = OrderTree.fromSorted(keys, ids, capacity);
    return q;
  }

  get size(): number {
    return this.byId.size;
  }

  add(entries: readonly WaitingEntry[]): void {
    // Validate the whole batch first so a bad entry leaves the queue untouched.
    const keys = entries.map(orderKey);
    entries.forEach((e, i) => {
      if (this.byId.has(e.ticketId)) return;
      const key = keys[i]!;
      this.byId.set(e.ticketId, pack(key));
      this.idChars += e.ticketId.length;
      this.tree.insert(key, e.ticketId);
    });
  }

  remove(ticketIds: readonly string[]): void {
    for (const id of ticketIds) {
      const packed = this.byId.get(id);
      if (packed === undefined) continue;
      this.byId.delete(id);
      this.idChars -= id.length;
      this.tree.delete(unpack(packed), id);
    }
  }

  rank(ticketId: string): number | null {
    const packed = this.byId.get(ticketId);
    if (packed === undefined) return null;
    const r = this.tree.rank(unpack(packed), ticketId);
    return r < 0 ? null : r;
  }

  range(start: number, limit: number): string[] {
    return this.tree.slice(start, limit);
  }

  toArray(): string[] {
    return this.tree.toArray();
  }

  /** An estimate: typed arrays and slots exactly, Map entries and id strings by V8's usual sizes. */
  bytes(): number {
    return this.tree.bytes() + this.byId.size * (MAP_ENTRY_BYTES + STRING_HEADER_BYTES) + this.idChars;
  }
}

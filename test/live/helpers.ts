import { Redis } from 'ioredis';
import type { WaitingEntry } from '../../src/domain/types.js';
import { orderKey } from '../../src/live/order-key.js';

/** The waiting order as the contract defines it, computed the slow, obvious way. */
export function referenceOrder(entries: Iterable<WaitingEntry>): string[] {
  return [...entries]
    .map((e) => ({ key: orderKey(e), id: e.ticketId }))
    .sort((a, b) => (a.key !== b.key ? a.key - b.key : a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map((p) => p.id);
}

export const entry = (ticketId: string, priority: 'normal' | 'high', seq: number): WaitingEntry => ({
  ticketId,
  priority,
  seq,
});

export { eventually, sleep } from '../support/harness.js';

export async function listKeys(client: Redis, prefix: string): Promise<string[]> {
  const out: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`, 'COUNT', 500);
    cursor = next;
    out.push(...keys);
  } while (cursor !== '0');
  return out;
}

/** Deletes every key under `prefix` (and only those) in the URL's database. */
export async function deletePrefix(url: string, prefix: string): Promise<number> {
  const admin = await rawClient(url);
  try {
    const keys = await listKeys(admin, prefix);
    let removed = 0;
    for (let i = 0; i < keys.length; i += 500) removed += await admin.del(...keys.slice(i, i + 500));
    return removed;
  } finally {
    admin.disconnect();
  }
}

/** A raw connection for arranging and inspecting keys directly. */
export async function rawClient(url: string): Promise<Redis> {
  const c = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await c.connect();
  return c;
}

import type { Redis } from 'ioredis';

/**
 * Key names of one copy of the index: the live one under `${prefix}` or a scratch namespace under
 * `${prefix}ns:${ns}:`. Queue keys use `q:` so they can never collide with `queues` or `built`.
 */
export class KeySpace {
  constructor(readonly base: string) {}

  get queuePrefix(): string {
    return `${this.base}q:`;
  }

  queue(queueId: string): string {
    return `${this.base}q:${queueId}`;
  }

  /** Ids recently removed from the queue's index; `g:` keeps them apart from the queue keys. */
  removed(queueId: string): string {
    return `${this.base}g:${queueId}`;
  }

  get queues(): string {
    return `${this.base}queues`;
  }

  get built(): string {
    return `${this.base}built`;
  }
}

/** SCAN MATCH treats these as wildcards; a prefix must match only itself. */
export function escapeGlob(s: string): string {
  return s.replace(/[*?[\]\\]/g, '\\$&');
}

/** Walks keys matching `pattern` with SCAN (never KEYS, which blocks the server). */
export async function scanKeys(
  client: Redis,
  pattern: string,
  onBatch: (keys: string[]) => Promise<void>,
): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
    cursor = next;
    if (keys.length > 0) await onBatch(keys);
  } while (cursor !== '0');
}

/** Splits large argument lists: Lua's unpack and single replies have practical limits. */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

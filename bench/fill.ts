import { newId } from '../src/domain/tokens.js';
import type { Store } from '../src/store/contract.js';

/**
 * Fills a queue with `n` waiting tickets through the store's group-commit path, 1,000 at a time.
 * `realistic` gives every 50th ticket high priority and each one a contact, as backups expect.
 */
export async function fillQueue(store: Store, queueId: string, n: number, realistic = false): Promise<void> {
  const hash = 'f'.repeat(64);
  for (let done = 0; done < n;) {
    const size = Math.min(1000, n - done);
    const reqs = Array.from({ length: size }, (_, i) => ({
      id: newId('t'),
      tokenHash: hash,
      priority: (realistic && i % 50 === 0 ? 'high' : 'normal') as 'high' | 'normal',
      name: `Customer ${done + i}`,
      contact: realistic ? `c${done + i}@example.org` : null,
      metadata: null,
      idempotencyKey: null,
      sealedToken: null,
    }));
    await store.joinMany(queueId, reqs, new Date());
    done += size;
  }
}

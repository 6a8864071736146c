import { randomBytes } from 'node:crypto';
import type { Store } from '../src/store/contract.js';

/** Fills a queue with `n` waiting tickets through the store's group-commit path, 1,000 at a time. */
export async function fillQueue(store: Store, queueId: string, n: number): Promise<{ id: string; token: string }[]> {
  const sample: { id: string; token: string }[] = [];
  const hash = 'f'.repeat(64);
  for (let done = 0; done < n; ) {
    const size = Math.min(1000, n - done);
    const reqs = Array.from({ length: size }, (_, i) => ({
      id: `t_b${done + i}_${randomBytes(3).toString('hex')}`,
      tokenHash: hash,
      priority: 'normal' as const,
      name: `Customer ${done + i}`,
      contact: null,
      metadata: null,
      idempotencyKey: null,
      sealedToken: null,
    }));
    await store.joinMany(queueId, reqs, new Date());
    done += size;
  }
  return sample;
}

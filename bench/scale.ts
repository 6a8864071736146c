import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rebuildIndex } from '../src/domain/live-sync.js';
import { DEFAULT_QUEUE_SETTINGS } from '../src/domain/types.js';
import { createMemoryBackend } from '../src/live/memory/backend.js';
import { percentile } from '../src/metrics/percentile.js';
import { openStore } from '../src/store/open.js';
import { fillQueue } from './fill.js';

const gc = (): void => (globalThis as { gc?: () => void }).gc?.();

/** Position lookups in the in-process index: latency, exactness and memory at n waiting tickets. */
export async function lookupScale(n: number) {
  gc();
  const before = process.memoryUsage();
  const live = createMemoryBackend();
  const ids: string[] = [];
  for (let done = 0; done < n;) {
    const size = Math.min(10_000, n - done);
    const batch = Array.from({ length: size }, (_, i) => ({
      ticketId: `t_${done + i}`,
      priority: 'normal' as const,
      seq: done + i + 1,
    }));
    for (const b of batch) ids.push(b.ticketId);
    await live.index.add('q', batch);
    done += size;
  }
  gc();
  const after = process.memoryUsage();
  const bytes = after.heapUsed + after.arrayBuffers - (before.heapUsed + before.arrayBuffers);
  // Keep `ids` alive across the reading above; the index must not be credited with its strings.
  const idBytes = ids.reduce((s, id) => s + id.length + 16, 0);
  const times: number[] = [];
  let wrong = 0;
  for (let i = 0; i < 20_000; i++) {
    const k = Math.floor(Math.random() * n);
    const t0 = performance.now();
    const r = await live.index.rank('q', ids[k] as string);
    times.push(performance.now() - t0);
    if (r !== k) wrong++;
  }
  times.sort((a, b) => a - b);
  return {
    n,
    p50Ms: +(percentile(times, 0.5) ?? 0).toFixed(4),
    p99Ms: +(percentile(times, 0.99) ?? 0).toFixed(4),
    maxMs: +(times.at(-1) as number).toFixed(4),
    wrongOf20000: wrong,
    bytesPerTicket: Math.round((bytes - idBytes) / n),
  };
}

/** Rebuild of the live index from SQLite at n waiting tickets. */
export async function rebuildScale(n: number) {
  const dir = mkdtempSync(join(tmpdir(), 'qk-bench-'));
  const store = openStore({ kind: 'sqlite', path: join(dir, 'b.db') });
  try {
    await store.migrate();
    await store.createQueue(
      { id: 'q', name: 'bench', mode: 'service', capacity: null, settings: DEFAULT_QUEUE_SETTINGS },
      new Date(),
    );
    const f0 = performance.now();
    await fillQueue(store, 'q', n);
    const fillMs = performance.now() - f0;
    const live = createMemoryBackend();
    const t0 = performance.now();
    const r = await rebuildIndex(store, live.index);
    return {
      n,
      rebuildMs: Math.round(performance.now() - t0),
      entries: r.entries,
      fillMs: Math.round(fillMs),
      fillPerSecond: Math.round(n / (fillMs / 1000)),
    };
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

import type { LiveBackend, SweepResult } from '../contract.js';
import { MemoryBus, type WarnLogger } from './bus.js';
import { MemoryLiveIndex } from './index.js';
import { MemoryRateLimiter } from './limiter.js';

export interface MemoryBackendOptions {
  /** Clock for rate-limit windows (tests move it instead of sleeping). */
  now?: () => number;
  /** Receives errors thrown by bus subscribers. */
  logger?: WarnLogger;
  /** Order-tree block size; tests shrink it to exercise splits and merges. */
  blockCapacity?: number;
}

/** The single-node backend: everything in this process, nothing shared, lost on restart. */
export function createMemoryBackend(opts: MemoryBackendOptions = {}): LiveBackend {
  const index = new MemoryLiveIndex(opts.blockCapacity, opts.now);
  const bus = new MemoryBus(opts.logger);
  const limiter = new MemoryRateLimiter(opts.now);
  return {
    kind: 'memory',
    index,
    bus,
    limiter,
    async sweep(now: number): Promise<SweepResult> {
      return { expiredKeysRemoved: limiter.sweep(now) };
    },
    async ping(): Promise<number> {
      return 0;
    },
    async close(): Promise<void> {
      bus.close();
      limiter.clear();
      index.clear();
    },
  };
}

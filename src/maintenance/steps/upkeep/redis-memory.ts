import type { LiveBackend } from '../../../live/contract.js';
import { errorText } from '../shared/measure.js';
import { isUnreachable, MIB } from './units.js';

/** When MEMORY PURGE is worth trying: both bounds must be passed. */
export interface FragmentationLimits {
  readonly ratio: number;
  readonly bytes: number;
}

export const DEFAULT_FRAGMENTATION: FragmentationLimits = { ratio: 1.4, bytes: 10 * MIB };

/**
 * The allocator's own fragmentation. `mem_fragmentation_ratio` (RSS / used) is kept for reference
 * only: on a nearly empty instance the fixed RSS makes it read 8 or more with nothing to reclaim.
 */
interface AllocatorReading {
  readonly allocatorFragRatio: number;
  readonly allocatorFragBytes: number;
  readonly usedMemoryBytes: number | null;
  readonly memFragmentationRatio: number | null;
}

export type NotAvailable = { readonly available: false; readonly reason: string };

export type PurgeReport =
  | { readonly status: 'not_needed'; readonly before: AllocatorReading; readonly limits: FragmentationLimits }
  | {
      readonly status: 'purged' | 'refused';
      readonly before: AllocatorReading;
      readonly after: AllocatorReading | null;
      readonly fragBytesRecovered: number | null;
      readonly limits: FragmentationLimits;
      readonly reason?: string;
    }
  | (NotAvailable & { readonly status: 'not_available' });

const num = (v: string | undefined): number | null =>
  v === undefined || v === '' || !Number.isFinite(Number(v)) ? null : Number(v);

/**
 * Runs a Redis command that a managed service may refuse (CONFIG, MEMORY). A refusal answers
 * "not available" with Redis's words; a Redis that cannot be reached still throws, since that is a
 * failure of the step, not a property of the install.
 */
export async function orNotAvailable<T>(fn: () => Promise<T>): Promise<T | NotAvailable> {
  try {
    return await fn();
  } catch (e) {
    if (isUnreachable(e)) throw e;
    return { available: false, reason: `refused by Redis: ${errorText(e)}` };
  }
}

export const isNotAvailable = (v: unknown): v is NotAvailable =>
  typeof v === 'object' && v !== null && (v as NotAvailable).available === false;

async function readAllocator(live: LiveBackend): Promise<AllocatorReading | NotAvailable> {
  if (live.kind !== 'redis' || !live.info)
    return { available: false, reason: 'no Redis: the live index is in process' };
  const info = live.info;
  const mem = await orNotAvailable(() => info('memory'));
  if (isNotAvailable(mem)) return mem;
  const ratio = num(mem.allocator_frag_ratio);
  const bytes = num(mem.allocator_frag_bytes);
  if (ratio === null || bytes === null) {
    return {
      available: false,
      reason: `INFO memory has no allocator_frag_ratio/allocator_frag_bytes (mem_allocator ${mem.mem_allocator ?? 'unknown'}; they need jemalloc)`,
    };
  }
  return {
    allocatorFragRatio: ratio,
    allocatorFragBytes: bytes,
    usedMemoryBytes: num(mem.used_memory),
    memFragmentationRatio: num(mem.mem_fragmentation_ratio),
  };
}

/**
 * Asks jemalloc to give dirty pages back (MEMORY PURGE) only when the allocator itself reports
 * fragmentation past both bounds, then reads again so the report shows what it did.
 */
export async function purgeIfFragmented(
  live: LiveBackend,
  limits: FragmentationLimits = DEFAULT_FRAGMENTATION,
): Promise<PurgeReport> {
  const before = await readAllocator(live);
  if (isNotAvailable(before)) return { status: 'not_available', ...before };
  if (before.allocatorFragRatio <= limits.ratio || before.allocatorFragBytes <= limits.bytes)
    return { status: 'not_needed', before, limits };
  if (!live.memoryPurge)
    return { status: 'not_available', available: false, reason: 'this live backend cannot send MEMORY PURGE' };
  const purge = live.memoryPurge;
  const done = await orNotAvailable(() => purge());
  const after = await readAllocator(live);
  const afterReading = isNotAvailable(after) ? null : after;
  const recovered = afterReading === null ? null : before.allocatorFragBytes - afterReading.allocatorFragBytes;
  const reading = { before, after: afterReading, fragBytesRecovered: recovered, limits };
  if (isNotAvailable(done)) return { status: 'refused', ...reading, reason: done.reason };
  if (!done) return { status: 'refused', ...reading, reason: 'MEMORY PURGE did not answer OK' };
  return { status: 'purged', ...reading };
}

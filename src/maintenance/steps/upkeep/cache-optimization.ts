import { getHeapStatistics } from 'node:v8';
import type { LiveBackend } from '../../../live/contract.js';
import type { Step } from '../../step.js';
import { Parts } from '../shared/measure.js';
import { human } from './units.js';
import {
  DEFAULT_FRAGMENTATION,
  isNotAvailable,
  orNotAvailable,
  purgeIfFragmented,
  type FragmentationLimits,
  type NotAvailable,
  type PurgeReport,
} from './redis-memory.js';

interface EvictionReading {
  readonly policy: string;
  /** Where it was read: CONFIG GET, or INFO memory when a managed Redis disables CONFIG. */
  readonly source: 'CONFIG GET' | 'INFO memory';
  readonly maxmemoryBytes: number | null;
}

interface PersistenceReading {
  readonly save: string;
  readonly appendonly: string;
  readonly persistent: boolean;
}

async function configValue(live: LiveBackend, name: string): Promise<string | NotAvailable> {
  const get = live.configGet;
  if (!get) return { available: false, reason: 'this live backend cannot send CONFIG GET' };
  const v = await orNotAvailable(() => get(name));
  if (v === null) return { available: false, reason: `CONFIG GET ${name} returned nothing` };
  return v;
}

/** CONFIG GET first; INFO memory also carries the policy, and managed services rarely disable INFO. */
async function readEviction(live: LiveBackend): Promise<EvictionReading | NotAvailable> {
  const info = live.info;
  const mem = info ? await orNotAvailable(() => info('memory')) : null;
  const fromInfo = mem !== null && !isNotAvailable(mem) ? mem : {};
  const maxmemory = fromInfo.maxmemory !== undefined && fromInfo.maxmemory !== '' ? Number(fromInfo.maxmemory) : null;
  const policy = await configValue(live, 'maxmemory-policy');
  if (!isNotAvailable(policy)) return { policy, source: 'CONFIG GET', maxmemoryBytes: maxmemory };
  if (fromInfo.maxmemory_policy)
    return { policy: fromInfo.maxmemory_policy, source: 'INFO memory', maxmemoryBytes: maxmemory };
  return { available: false, reason: `${policy.reason}; INFO memory has no maxmemory_policy either` };
}

async function readPersistence(live: LiveBackend): Promise<PersistenceReading | NotAvailable> {
  const save = await configValue(live, 'save');
  if (isNotAvailable(save)) return save;
  const appendonly = await configValue(live, 'appendonly');
  if (isNotAvailable(appendonly)) return appendonly;
  return { save, appendonly, persistent: save.trim() !== '' || appendonly === 'yes' };
}

/** Heap of this process against V8's limit, the bound that ends it with "heap out of memory". */
export function processMemory(): Record<string, number> {
  const m = process.memoryUsage();
  const limit = getHeapStatistics().heap_size_limit;
  return {
    heapUsedBytes: m.heapUsed,
    heapTotalBytes: m.heapTotal,
    heapLimitBytes: limit,
    heapUsedPercent: Math.round((m.heapUsed / limit) * 1000) / 10,
    rssBytes: m.rss,
    externalBytes: m.external,
  };
}

/** Reports a purge the same way wherever it is used (this step and systemOptimization). */
export function notePurge(parts: Parts, p: PurgeReport): void {
  if (p.status === 'not_available') parts.note('info', `fragmentation not measured: ${p.reason}`);
  else if (p.status === 'purged') {
    parts.note(
      'info',
      `allocator fragmentation ${p.before.allocatorFragRatio} (${human(p.before.allocatorFragBytes)}) passed ${p.limits.ratio} and ${human(p.limits.bytes)}: MEMORY PURGE ran, now ${p.after?.allocatorFragRatio ?? 'unknown'} (${p.after ? human(p.after.allocatorFragBytes) : 'unknown'})`,
    );
  } else if (p.status === 'refused')
    parts.note(
      'warning',
      `allocator fragmentation is high (${p.before.allocatorFragRatio}, ${human(p.before.allocatorFragBytes)}) but MEMORY PURGE was refused: ${p.reason ?? 'no reason given'}`,
    );
}

/**
 * Weekly step: the live backend's memory and the settings that decide whether queue positions
 * survive. Redis: allocator fragmentation (purged when high), the eviction policy (anything but
 * `noeviction` may silently drop positions under memory pressure: a failing finding) and
 * persistence. Both backends: the live index's size and this process's heap.
 */
export function createCacheOptimization(limits: FragmentationLimits = DEFAULT_FRAGMENTATION): Step {
  return async (ctx) => {
    const parts = new Parts(ctx.signal);
    const live = ctx.live;
    let redis: Record<string, unknown> | { status: 'NotConfigured' } = { status: 'NotConfigured' };
    if (live.kind === 'redis') {
      const fragmentation = await parts.run('fragmentation check', () => purgeIfFragmented(live, limits));
      if (fragmentation !== null) notePurge(parts, fragmentation);

      const eviction = await parts.run('eviction policy check', () => readEviction(live));
      if (eviction !== null && isNotAvailable(eviction))
        parts.note('warning', `eviction policy not available: ${eviction.reason}; make sure it is noeviction`);
      else if (eviction !== null && eviction.policy !== 'noeviction') {
        const limit =
          eviction.maxmemoryBytes === 0
            ? ' (maxmemory is 0 now, so this starts the day a limit is set)'
            : eviction.maxmemoryBytes !== null
              ? ` at maxmemory ${human(eviction.maxmemoryBytes)}`
              : '';
        parts.note(
          'error',
          `maxmemory-policy is ${eviction.policy}: Redis may evict queue keys${limit} and silently drop waiting positions; set it to noeviction`,
        );
      } else if (eviction !== null && eviction.source === 'INFO memory')
        parts.note('info', 'CONFIG is disabled on this Redis: the eviction policy was read from INFO memory');

      const persistence = await parts.run('persistence check', () => readPersistence(live));
      if (persistence !== null && isNotAvailable(persistence))
        parts.note('info', `persistence settings not available: ${persistence.reason}`);
      else if (persistence !== null && !persistence.persistent) {
        parts.note(
          'info',
          'Redis has no persistence (save "" and appendonly no): a restart empties it; queuekeeper survives by rebuilding the live index from the database, and positions answer 503 until the rebuild is done',
        );
      }
      redis = { fragmentation, eviction, persistence };
    }

    const liveIndex = await parts.run('live index size', () => live.index.stats());
    return parts.outcome({ backend: live.kind, redis, liveIndex, processMemory: processMemory() });
  };
}

export const cacheOptimization: Step = createCacheOptimization();

import { diskPercent, measureCpu, memoryPercent } from '../../../metrics/resources.js';
import type { Step } from '../../step.js';
import { notePurge, processMemory } from './cache-optimization.js';
import { Parts } from '../shared/measure.js';
import { DEFAULT_FRAGMENTATION, purgeIfFragmented, type FragmentationLimits } from './redis-memory.js';

/** Long enough for a CPU reading that is not one scheduler tick, short enough for a maintenance step. */
const CPU_SAMPLE_MS = 500;

/**
 * Preventive step: the cheap tidy-ups that keep the node fast, each reported on its own. Database:
 * the engine's own optimize (incremental vacuum / VACUUM ANALYZE). Cache: MEMORY PURGE only where
 * allocator fragmentation says it helps (the same rule as cacheOptimization). Application: the
 * runtime's in-process cache trim when it offers one. Resources: CPU, memory and disk, measured
 * and held against the configured thresholds.
 */
export function createSystemOptimization(limits: FragmentationLimits = DEFAULT_FRAGMENTATION): Step {
  return async (ctx) => {
    const parts = new Parts(ctx.signal);
    const t = ctx.config.maintenance.thresholds;

    const database = await parts.run('database optimize', () => ctx.store.admin.optimize());
    if (database !== null && database.bytesReclaimed === null)
      parts.note('info', `database space not reclaimed: ${database.details}`);

    const cache = await parts.run('cache optimization', () => purgeIfFragmented(ctx.live, limits));
    if (cache !== null) notePurge(parts, cache);

    const noTrim = 'the runtime offers no in-process cache trim (services.trimCaches)';
    const application =
      typeof ctx.services.trimCaches === 'function'
        ? await parts.run('in-process cache trim', async () => ({
            available: true,
            entriesDropped: ctx.services.trimCaches?.() ?? 0,
          }))
        : { available: false, reason: noTrim };
    if (typeof ctx.services.trimCaches !== 'function') parts.note('info', `application caches not trimmed: ${noTrim}`);

    const resources = await parts.run('resource reading', async () => {
      const [cpu, memory, disk] = await Promise.all([
        measureCpu(CPU_SAMPLE_MS),
        memoryPercent(),
        diskPercent(ctx.config.dataDir),
      ]);
      return {
        cpuUsage: cpu.host,
        processCpuUsage: cpu.process,
        memoryUsage: memory.percent,
        diskUsage: disk.percent,
        memory,
        disk,
        process: processMemory(),
      };
    });
    if (resources !== null) {
      // Preventive: a resource past its threshold is a warning to act on before it fails a daily check.
      // Judged on queuekeeper's own CPU (one core = 100): the host's may be a neighbour's load.
      if (resources.processCpuUsage >= t.maxCpuPercent)
        parts.note(
          'warning',
          `queuekeeper's CPU at ${resources.processCpuUsage}% of one core, host ${resources.cpuUsage}% (threshold ${t.maxCpuPercent}%)`,
        );
      else if (resources.cpuUsage >= t.maxCpuPercent)
        parts.note(
          'info',
          `host CPU at ${resources.cpuUsage}%, queuekeeper ${resources.processCpuUsage}% of one core: the load is not queuekeeper's`,
        );
      if (resources.memoryUsage >= t.maxMemoryPercent)
        parts.note('warning', `memory at ${resources.memoryUsage}% (threshold ${t.maxMemoryPercent}%)`);
      if (resources.diskUsage >= t.maxDiskPercent)
        parts.note(
          'warning',
          `disk at ${resources.diskUsage}% of the volume holding ${ctx.config.dataDir} (threshold ${t.maxDiskPercent}%)`,
        );
    }

    return parts.outcome({ database, cache, application, resources });
  };
}

export const systemOptimization: Step = createSystemOptimization();

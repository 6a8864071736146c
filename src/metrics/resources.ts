import { readFile, statfs } from 'node:fs/promises';
import os from 'node:os';
import { performance } from 'node:perf_hooks';

/** CPU time counters of the whole machine, for a percentage between two readings. */
export interface CpuReading {
  readonly idle: number;
  readonly total: number;
}

export function readCpu(): CpuReading {
  let idle = 0;
  let total = 0;
  for (const c of os.cpus()) {
    idle += c.times.idle;
    total += c.times.user + c.times.nice + c.times.sys + c.times.irq + c.times.idle;
  }
  return { idle, total };
}

export function cpuPercent(a: CpuReading, b: CpuReading): number {
  const total = b.total - a.total;
  return total <= 0 ? 0 : round1((1 - (b.idle - a.idle) / total) * 100);
}

/**
 * CPU use over `ms`, of the whole machine (`host`) and of this process (`process`). The process
 * figure is in percent of one core: JavaScript runs on one thread, so 100 means the event loop has
 * no time left, which is what adding a node fixes; worker threads (log rotation) can take it past
 * 100. The host figure also holds every other program on the machine (docs/maintenance.md).
 */
export async function measureCpu(ms = 500): Promise<{ host: number; process: number }> {
  const a = readCpu();
  const ownBefore = process.cpuUsage();
  const started = performance.now();
  await new Promise((r) => setTimeout(r, ms));
  const own = process.cpuUsage(ownBefore);
  const elapsedUs = (performance.now() - started) * 1000;
  return {
    host: cpuPercent(a, readCpu()),
    process: elapsedUs <= 0 ? 0 : round1(((own.user + own.system) / elapsedUs) * 100),
  };
}

/**
 * Memory in use as a percentage of what this process may use: the cgroup's limit when there is
 * one, else the host. Node 20's `process.constrainedMemory()` answers 2^64 without a cgroup limit,
 * so it is clamped to the host's memory.
 */
export async function memoryPercent(): Promise<{
  percent: number;
  usedBytes: number;
  limitBytes: number;
  source: string;
}> {
  const host = os.totalmem();
  const cg = await cgroupMemory();
  if (cg && cg.limit < host)
    return {
      percent: round1((cg.current / cg.limit) * 100),
      usedBytes: cg.current,
      limitBytes: cg.limit,
      source: 'cgroup',
    };
  const available = await memAvailable();
  const used = host - (available ?? os.freemem());
  const constrained = typeof process.constrainedMemory === 'function' ? process.constrainedMemory() : 0;
  const limit = constrained && constrained > 0 ? Math.min(constrained, host) : host;
  return {
    percent: round1((used / limit) * 100),
    usedBytes: used,
    limitBytes: limit,
    source: available === null ? 'os.freemem' : 'meminfo',
  };
}

async function cgroupMemory(): Promise<{ current: number; limit: number } | null> {
  try {
    const [max, cur] = await Promise.all([
      readFile('/sys/fs/cgroup/memory.max', 'utf8'),
      readFile('/sys/fs/cgroup/memory.current', 'utf8'),
    ]);
    if (max.trim() === 'max') return null;
    return { current: Number(cur.trim()), limit: Number(max.trim()) };
  } catch {
    return null;
  }
}

async function memAvailable(): Promise<number | null> {
  try {
    const m = /MemAvailable:\s+(\d+) kB/.exec(await readFile('/proc/meminfo', 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** The `statfs` fields disk use is computed from, in blocks of `bsize` bytes. */
export interface BlockCounts {
  readonly bsize: number;
  readonly blocks: number;
  readonly bfree: number;
  readonly bavail: number;
}

export interface DiskUse {
  /** used / (used + available), as `df` reports it. */
  readonly percent: number;
  readonly usedBytes: number;
  /** What this process may still write: root's reserved blocks are not in it. */
  readonly freeBytes: number;
  readonly totalBytes: number;
  /** Blocks kept for root: neither used nor available to us. */
  readonly reservedBytes: number;
}

/**
 * Disk use as `df` computes it: the blocks kept for root (5 % on ext4 by default) are neither used
 * nor available, so an empty volume reads 0 %, not 5 %, and a full one 100 % when we can write no
 * more. Counting them as used over-reported a 24 % volume as 69 %.
 */
export function diskUse(s: BlockCounts): DiskUse {
  const usedBytes = (s.blocks - s.bfree) * s.bsize;
  const freeBytes = s.bavail * s.bsize;
  const seen = usedBytes + freeBytes;
  return {
    percent: seen <= 0 ? 0 : round1((usedBytes / seen) * 100),
    usedBytes,
    freeBytes,
    totalBytes: s.blocks * s.bsize,
    reservedBytes: Math.max(0, (s.bfree - s.bavail) * s.bsize),
  };
}

/** Disk use of the file system holding `dir`. */
export async function diskPercent(dir: string): Promise<DiskUse> {
  return diskUse(await statfs(dir));
}

export const round1 = (n: number): number => Math.round(n * 10) / 10;

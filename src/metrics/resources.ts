import { readFile, statfs } from 'node:fs/promises';
import os from 'node:os';

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

/** Measures CPU use over a short interval, for one-off readings outside the sampler. */
export async function measureCpu(ms = 500): Promise<number> {
  const a = readCpu();
  await new Promise((r) => setTimeout(r, ms));
  return cpuPercent(a, readCpu());
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

/** Disk use of the file system holding `dir`, in percent. */
export async function diskPercent(dir: string): Promise<{ percent: number; freeBytes: number; totalBytes: number }> {
  const s = await statfs(dir);
  const total = s.blocks * s.bsize;
  const free = s.bavail * s.bsize;
  return { percent: round1(((total - free) / total) * 100), freeBytes: free, totalBytes: total };
}

export const round1 = (n: number): number => Math.round(n * 10) / 10;

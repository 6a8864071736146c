import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** CPU time (user + system) from /proc, so each figure can be split by process. Linux only. */
const TICKS_PER_SECOND = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

function statTicks(pid: number | string): { comm: string; ticks: number } | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name sits in parentheses and may itself hold spaces; the counters follow it.
    const close = text.lastIndexOf(')');
    const fields = text.slice(close + 2).split(' ');
    return { comm: text.slice(text.indexOf('(') + 1, close), ticks: Number(fields[11]) + Number(fields[12]) };
  } catch {
    return null;
  }
}

/** Milliseconds of CPU used so far by one process, or null where /proc is not available. */
export function processCpuMs(pid: number | undefined): number | null {
  const s = pid === undefined ? null : statTicks(pid);
  return s ? (s.ticks * 1000) / TICKS_PER_SECOND : null;
}

/** Milliseconds of CPU used so far by every process with one of these names (all PostgreSQL backends, say). */
export function namedCpuMs(names: readonly string[]): number | null {
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((e) => /^\d+$/.test(e));
  } catch {
    return null;
  }
  let ticks = 0;
  for (const pid of entries) {
    const s = statTicks(pid);
    if (s && names.includes(s.comm)) ticks += s.ticks;
  }
  return (ticks * 1000) / TICKS_PER_SECOND;
}

/** Microseconds of CPU per unit between two readings of processes' CPU (summed), or null if any is missing. */
export function usPer(
  before: readonly (number | null)[],
  after: readonly (number | null)[],
  units: number,
): number | null {
  if (units === 0 || before.some((c) => c === null) || after.some((c) => c === null)) return null;
  const ms = after.reduce((n: number, c, i) => n + (c as number) - (before[i] as number), 0);
  return +((ms * 1000) / units).toFixed(1);
}

/** This process's CPU so far in milliseconds (user + system), to set beside a child's. */
export const ownCpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

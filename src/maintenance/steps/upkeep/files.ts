import { createReadStream, createWriteStream } from 'node:fs';
import { lstat, readdir, rename, rmdir, stat, unlink, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { DAY_MS } from './units.js';

const missing = (e: unknown): boolean => (e as NodeJS.ErrnoException).code === 'ENOENT';

export interface TempCleanup {
  readonly dir: string;
  readonly present: boolean;
  readonly filesRemoved: number;
  readonly bytesFreed: number;
  readonly dirsRemoved: number;
}

/**
 * Removes files (and symlinks) under `dir` last modified before `cutoffMs`, then directories that
 * are left empty and were already old before the sweep: a folder some job has just created, still
 * empty, is new and stays. `dir` itself stays.
 */
export async function cleanTemp(dir: string, cutoffMs: number, signal: AbortSignal): Promise<TempCleanup> {
  const acc = { filesRemoved: 0, bytesFreed: 0, dirsRemoved: 0 };
  const sweep = async (d: string): Promise<boolean> => {
    let left = 0;
    // A sub-folder removed by its owner while we walk is simply gone.
    const entries = await readdir(d, { withFileTypes: true }).catch((e: unknown) =>
      missing(e) && d !== dir ? null : Promise.reject(e),
    );
    if (entries === null) return false;
    for (const e of entries) {
      signal.throwIfAborted();
      const p = join(d, e.name);
      const st = await lstat(p).catch(() => null);
      if (st === null) continue;
      if (st.isDirectory()) {
        const empty = await sweep(p);
        if (
          empty &&
          st.mtimeMs < cutoffMs &&
          (await rmdir(p).then(
            () => true,
            () => false,
          ))
        )
          acc.dirsRemoved++;
        else left++;
      } else if (
        st.mtimeMs < cutoffMs &&
        (await unlink(p).then(
          () => true,
          (err: unknown) => missing(err),
        ))
      ) {
        acc.filesRemoved++;
        acc.bytesFreed += st.size;
      } else left++;
    }
    return left === 0;
  };
  try {
    await sweep(dir);
  } catch (e) {
    if (missing(e)) return { dir, present: false, ...acc };
    throw e;
  }
  return { dir, present: true, ...acc };
}

export interface LogCare {
  readonly dir: string;
  readonly present: boolean;
  /** The file being written (newest `*.log`) and any `*.log` touched in the last day: never touched. */
  readonly active: string[];
  readonly gzipped: number;
  readonly gzippedBytesBefore: number;
  readonly gzippedBytesAfter: number;
  readonly deleted: number;
  readonly deletedBytes: number;
  readonly bytesFreed: number;
}

export interface LogPolicy {
  readonly gzipAfterDays: number;
  readonly deleteAfterDays: number;
}

export const DEFAULT_LOG_POLICY: LogPolicy = { gzipAfterDays: 7, deleteAfterDays: 30 };

/**
 * Gzips `*.log` files older than the policy's first bound and deletes `*.log` / `*.log.gz` older
 * than its second, by modification time. Regular files only: a `current.log` symlink to the active
 * file is not a log of its own. The `.gz` keeps the log's modification time, so its age (and the
 * log analysis) still count from the last line written; it is written under a temporary name and
 * renamed, so a crash never leaves a truncated `.gz` that the log analysis would read.
 */
export async function careForLogs(
  dir: string,
  nowMs: number,
  signal: AbortSignal,
  policy: LogPolicy = DEFAULT_LOG_POLICY,
): Promise<LogCare> {
  const out = {
    dir,
    present: true,
    active: [] as string[],
    gzipped: 0,
    gzippedBytesBefore: 0,
    gzippedBytesAfter: 0,
    deleted: 0,
    deletedBytes: 0,
    bytesFreed: 0,
  };
  let names: string[];
  try {
    names = (await readdir(dir, { withFileTypes: true }))
      .filter((e) => e.isFile() && /\.log(\.gz)?$/.test(e.name))
      .map((e) => e.name);
  } catch (e) {
    if (missing(e)) return { ...out, present: false };
    throw e;
  }
  const files = (
    await Promise.all(names.map(async (name) => ({ name, st: await stat(join(dir, name)).catch(() => null) })))
  ).flatMap((f) => (f.st ? [{ name: f.name, mtimeMs: f.st.mtimeMs, atimeMs: f.st.atimeMs, size: f.st.size }] : []));
  const plain = files.filter((f) => f.name.endsWith('.log')).sort((a, b) => b.mtimeMs - a.mtimeMs);
  const active = new Set(plain.filter((f, i) => i === 0 || f.mtimeMs >= nowMs - DAY_MS).map((f) => f.name));
  out.active = [...active].sort();

  for (const f of files) {
    signal.throwIfAborted();
    if (active.has(f.name)) continue;
    const path = join(dir, f.name);
    if (f.mtimeMs < nowMs - policy.deleteAfterDays * DAY_MS) {
      if (
        await unlink(path).then(
          () => true,
          (e: unknown) => missing(e),
        )
      ) {
        out.deleted++;
        out.deletedBytes += f.size;
      }
    } else if (f.name.endsWith('.log') && f.mtimeMs < nowMs - policy.gzipAfterDays * DAY_MS) {
      const gz = `${path}.gz`;
      const tmp = `${gz}.tmp`;
      await pipeline(createReadStream(path), createGzip(), createWriteStream(tmp, { mode: 0o600 }), { signal });
      await utimes(tmp, f.atimeMs / 1000, f.mtimeMs / 1000);
      await rename(tmp, gz);
      await unlink(path);
      out.gzipped++;
      out.gzippedBytesBefore += f.size;
      out.gzippedBytesAfter += (await stat(gz)).size;
    }
  }
  out.bytesFreed = out.deletedBytes + out.gzippedBytesBefore - out.gzippedBytesAfter;
  return out;
}

/** Bytes of every regular file under `path` (not following symlinks); 0 when it is gone. */
export async function treeBytes(path: string): Promise<number> {
  const st = await lstat(path).catch(() => null);
  if (st === null) return 0;
  if (!st.isDirectory()) return st.size;
  let total = 0;
  for (const name of await readdir(path).catch(() => [] as string[])) total += await treeBytes(join(path, name));
  return total;
}

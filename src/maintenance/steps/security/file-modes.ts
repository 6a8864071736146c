import { constants } from 'node:fs';
import { lstat, open, readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';

/** Who besides the owner can really read or change the entry, following the folders' x bits. */
type Audience = 'others' | 'group' | 'nobody';

export interface LooseEntry {
  /** Relative to the data dir ('.' is the dir itself); absolute for files outside it. */
  readonly path: string;
  readonly kind: 'file' | 'dir';
  readonly mode: string;
  readonly reachableBy: Audience;
  /** Outside the data dir (config file, a SQLite file elsewhere): reported, never changed. */
  readonly outside: boolean;
}

export interface ModeScan {
  /** false on Windows, where POSIX modes mean nothing. */
  readonly supported: boolean;
  readonly entries: number;
  readonly loose: LooseEntry[];
  /** The walk stopped at the limit: entries past it were not checked. */
  readonly truncated: boolean;
  readonly unreadable: string[];
}

const LIMIT = 20_000;
const GROUP = { r: 0o040, w: 0o020, x: 0o010 };
const OTHER = { r: 0o004, w: 0o002, x: 0o001 };
const octal = (mode: number): string => `0${(mode & 0o777).toString(8).padStart(3, '0')}`;

/**
 * Every regular file and folder under `root` whose mode grants group or other any access
 * (mode & 0o077), with whether that access is real: a 0644 file inside a 0700 folder is loose
 * but shielded. Folders above `root` are not judged; they belong to the operator. Symlinks are
 * never followed, so a link cannot make the walk leave the data dir.
 */
export async function scanModes(root: string, extraFiles: readonly string[] = []): Promise<ModeScan> {
  if (process.platform === 'win32')
    return { supported: false, entries: 0, loose: [], truncated: false, unreadable: [] };
  const loose: LooseEntry[] = [];
  const unreadable: string[] = [];
  let entries = 0;
  const stack: { abs: string; group: boolean; other: boolean }[] = [{ abs: root, group: true, other: true }];
  while (stack.length > 0) {
    const { abs, group, other } = stack.pop()!;
    let st;
    try {
      st = await lstat(abs);
    } catch (e) {
      if (abs !== root || (e as NodeJS.ErrnoException).code !== 'ENOENT')
        unreadable.push(`${relative(root, abs) || '.'}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
      continue;
    }
    if (!st.isFile() && !st.isDirectory()) continue;
    if (++entries > LIMIT) return { supported: true, entries: LIMIT, loose, truncated: true, unreadable };
    const g = group && (st.mode & (GROUP.r | GROUP.w)) !== 0;
    const o = other && (st.mode & (OTHER.r | OTHER.w)) !== 0;
    const kind = st.isDirectory() ? 'dir' : 'file';
    if ((st.mode & 0o077) !== 0)
      loose.push({
        path: relative(root, abs) || '.',
        kind,
        mode: octal(st.mode),
        reachableBy: o ? 'others' : g ? 'group' : 'nobody',
        outside: false,
      });
    if (kind === 'file') continue;
    try {
      const names = await readdir(abs);
      for (const name of names)
        stack.push({
          abs: join(abs, name),
          group: group && (st.mode & GROUP.x) !== 0,
          other: other && (st.mode & OTHER.x) !== 0,
        });
    } catch (e) {
      unreadable.push(`${relative(root, abs) || '.'}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
    }
  }
  for (const file of extraFiles) {
    const st = await lstat(file).catch(() => null);
    // Its folders are not walked, so the mode alone decides: assume the path can be reached.
    if (st?.isFile() && (st.mode & 0o077) !== 0) {
      loose.push({
        path: file,
        kind: 'file',
        mode: octal(st.mode),
        reachableBy: st.mode & (OTHER.r | OTHER.w) ? 'others' : 'group',
        outside: true,
      });
    }
  }
  loose.sort((a, b) => a.path.localeCompare(b.path));
  return { supported: true, entries, loose, truncated: false, unreadable };
}

export interface ModeChange {
  readonly path: string;
  readonly from: string;
  readonly to: string;
}

/**
 * Removes group and other bits (0644 → 0600, 0755 → 0700) from the loose entries inside the data
 * dir; the owner's own bits stay as they were. The entry is opened with O_NOFOLLOW and changed
 * through the handle, so a file swapped for a symlink after the scan is refused, not followed.
 */
export async function tightenModes(
  root: string,
  loose: readonly LooseEntry[],
): Promise<{ changed: ModeChange[]; failed: { path: string; error: string }[] }> {
  const changed: ModeChange[] = [];
  const failed: { path: string; error: string }[] = [];
  for (const entry of loose) {
    if (entry.outside) continue;
    const flags =
      constants.O_RDONLY |
      constants.O_NOFOLLOW |
      constants.O_NONBLOCK |
      (entry.kind === 'dir' ? constants.O_DIRECTORY : 0);
    try {
      const handle = await open(join(root, entry.path), flags);
      try {
        const st = await handle.stat();
        if (st.isDirectory() !== (entry.kind === 'dir')) throw new Error('changed since the scan');
        await handle.chmod(st.mode & 0o700);
        changed.push({ path: entry.path, from: octal(st.mode), to: octal(st.mode & 0o700) });
      } finally {
        await handle.close();
      }
    } catch (e) {
      failed.push({ path: entry.path, error: (e as NodeJS.ErrnoException).code ?? (e as Error).message });
    }
  }
  return { changed, failed };
}

import { randomBytes } from 'node:crypto';
import { readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { TMP_PREFIX, TRASH_PREFIX } from './ids.js';
import { judgeUnfinished } from './unfinished.js';

/**
 * Takes a crashed create's `.tmp-<id>` folder away from its writer before anything is deleted:
 * one rename to a `.trash-` name. A writer that was only paused then fails its own final rename
 * (`backup_claimed`) instead of renaming a folder that `rm` is emptying into a backup. Returns the
 * trash name, or null when the folder is no longer a crashed create: its writer finished or beat
 * again since it was judged, or another prune claimed it first.
 */
export async function claimAbandoned(root: string, id: string, now: Date): Promise<string | null> {
  const from = join(root, `${TMP_PREFIX}${id}`);
  // Judged again just before the claim: deleting old backups may have taken a while.
  const seen = await judgeUnfinished(from, now);
  if (!seen || seen.fresh) return null;
  // A random suffix, so that the claim never meets a leftover of the same id.
  const trash = `${TRASH_PREFIX}${id}.${randomBytes(4).toString('hex')}`;
  try {
    await rename(from, join(root, trash));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  return trash;
}

/** `.trash-` folders, claimed by a prune that stopped (crashed, killed) before deleting them. */
export async function trashFolders(root: string): Promise<string[]> {
  const names = await readdir(root).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return [] as string[];
    throw e;
  });
  return names.filter((n) => n.startsWith(TRASH_PREFIX)).sort();
}

export const removeTrash = (root: string, name: string): Promise<void> =>
  rm(join(root, name), { recursive: true, force: true });

/** Claims, then deletes, each crashed create of `ids`; returns those it removed. */
export async function removeAbandoned(root: string, ids: readonly string[], now: () => Date): Promise<string[]> {
  const removed: string[] = [];
  for (const id of ids) {
    const claimed = await claimAbandoned(root, id, now());
    if (claimed === null) continue;
    await removeTrash(root, claimed);
    removed.push(id);
  }
  return removed;
}

import { readdir, readFile, stat } from 'node:fs/promises';
import { z } from 'zod';
import { join } from 'node:path';
import { ABANDONED_MS, TMP_PREFIX } from './ids.js';
import { LEASE_FILE, LEASE_STALE_MS, writerSchema, type BackupWriter } from './lease.js';

/** A `.tmp-` folder: `since` is its last heartbeat, or its last write when it has no heartbeat. */
export interface UnfinishedBackup {
  readonly id: string;
  readonly since: string;
  /** Null when the folder has no readable heartbeat (written by an older version, or damaged). */
  readonly writer: BackupWriter | null;
}

export interface UnfinishedBackups {
  /** Newest first. */
  readonly inProgress: UnfinishedBackup[];
  /** Crashed creates, newest first: their heartbeat stopped, or (without one) untouched for ABANDONED_MS. */
  readonly abandoned: UnfinishedBackup[];
}

const MAX_LEASE_BYTES = 4096;

/** A beat's content: the writer plus a counter that older versions did not write. */
const beatSchema = writerSchema.extend({ beat: z.number().int().nonnegative().optional() });

/** The writer named in a heartbeat file; anything else (garbage, too large, unreadable) is unknown. */
async function readWriter(path: string, size: number): Promise<BackupWriter | null> {
  if (size > MAX_LEASE_BYTES) return null;
  try {
    const parsed = beatSchema.safeParse(JSON.parse(await readFile(path, 'utf8')));
    if (!parsed.success) return null;
    const { host, pid, startedAt } = parsed.data;
    return { host, pid, startedAt };
  } catch {
    return null;
  }
}

/**
 * How a `.tmp-` folder looks at `now`, or null when it is gone. The heartbeat's mtime was set by
 * the file system when the writer last rewrote it; it is compared with this node's clock.
 */
export async function judgeUnfinished(
  dir: string,
  now: Date,
): Promise<{ since: number; writer: BackupWriter | null; fresh: boolean } | null> {
  const folder = await stat(dir).catch(() => null);
  if (!folder?.isDirectory()) return null;
  const lease = await stat(join(dir, LEASE_FILE)).catch(() => null);
  if (!lease?.isFile())
    return { since: folder.mtimeMs, writer: null, fresh: now.getTime() - folder.mtimeMs <= ABANDONED_MS };
  return {
    since: lease.mtimeMs,
    writer: await readWriter(join(dir, LEASE_FILE), lease.size),
    fresh: now.getTime() - lease.mtimeMs <= LEASE_STALE_MS,
  };
}

/** The `.tmp-` folders of `root`, split into creates still writing and crashed ones. */
export async function unfinishedBackups(root: string, now: Date): Promise<UnfinishedBackups> {
  const names = await readdir(root).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return [] as string[];
    throw e;
  });
  const inProgress: UnfinishedBackup[] = [];
  const abandoned: UnfinishedBackup[] = [];
  for (const name of names
    .filter((n) => n.startsWith(TMP_PREFIX))
    .sort()
    .reverse()) {
    const seen = await judgeUnfinished(join(root, name), now);
    if (!seen) continue;
    const item = { id: name.slice(TMP_PREFIX.length), since: new Date(seen.since).toISOString(), writer: seen.writer };
    (seen.fresh ? inProgress : abandoned).push(item);
  }
  return { inProgress, abandoned };
}

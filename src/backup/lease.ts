import { hostname } from 'node:os';
import { readdir, readFile, rm, stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { writePrivateFile } from './files.js';
import { ABANDONED_MS, TMP_PREFIX } from './ids.js';

/**
 * The heartbeat of a backup being written: a file in its `.tmp-<id>` folder whose mtime the
 * writer moves forward every `HEARTBEAT_MS`. The folder's own mtime only changes when an entry is
 * added, so a long dump into one file would look idle; and in-memory state says nothing to the
 * other nodes sharing the backups folder. The file's mtime does, to every process that can see it.
 */
export const LEASE_FILE = '.heartbeat.json';

/** Often enough that a few lost beats (a slow shared disk, a busy event loop) change nothing. */
const HEARTBEAT_MS = 5_000;

/**
 * A heartbeat older than this is a crashed writer: twelve beats missed. It also absorbs clock
 * differences of tens of seconds between the nodes sharing the folder and the file server.
 */
const LEASE_STALE_MS = 60_000;

/** Who writes the backup, for the operator looking for the process that crashed. */
const writerSchema = z
  .object({
    host: z.string().min(1).max(255),
    pid: z.number().int().positive(),
    startedAt: z.string().datetime(),
  })
  .strict();
type BackupWriter = z.infer<typeof writerSchema>;

/** The writer's side: beats on an unref'd timer so that it never keeps the process alive. */
export class BackupLease {
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly dir: string) {}

  async start(): Promise<void> {
    const writer: BackupWriter = { host: hostname(), pid: process.pid, startedAt: new Date().toISOString() };
    await writePrivateFile(join(this.dir, LEASE_FILE), JSON.stringify(writer));
    // utimes never creates the file, so a beat racing with `release` or the folder's removal is harmless.
    this.timer = setInterval(() => {
      const at = new Date();
      utimes(join(this.dir, LEASE_FILE), at, at).catch(() => undefined);
    }, HEARTBEAT_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Before the folder becomes the backup: the heartbeat is no part of it. */
  async release(): Promise<void> {
    this.stop();
    await rm(join(this.dir, LEASE_FILE), { force: true });
  }
}

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

/** The writer named in a heartbeat file; anything else (garbage, too large, unreadable) is unknown. */
async function readWriter(path: string, size: number): Promise<BackupWriter | null> {
  if (size > MAX_LEASE_BYTES) return null;
  try {
    const parsed = writerSchema.safeParse(JSON.parse(await readFile(path, 'utf8')));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

async function judge(
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
    const seen = await judge(join(root, name), now);
    if (!seen) continue;
    const item = { id: name.slice(TMP_PREFIX.length), since: new Date(seen.since).toISOString(), writer: seen.writer };
    (seen.fresh ? inProgress : abandoned).push(item);
  }
  return { inProgress, abandoned };
}

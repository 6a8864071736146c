import { hostname } from 'node:os';
import { rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { BackupError, messageOf } from '../errors/index.js';
import { writePrivateFile } from './files.js';

/**
 * The heartbeat of a backup being written: a file in its `.tmp-<id>` folder that the writer
 * rewrites every `HEARTBEAT_MS`. The folder's own mtime only changes when an entry is added, so a
 * long dump into one file would look idle; and in-memory state says nothing to the other nodes
 * sharing the backups folder. The file's mtime does, to every process that can see it.
 */
export const LEASE_FILE = '.heartbeat.json';

/** Often enough that a few lost beats (a slow shared disk, a busy event loop) change nothing. */
const HEARTBEAT_MS = 5_000;

/**
 * A heartbeat older than this is a crashed writer: twelve beats missed. The judge compares the
 * file's mtime with its own clock, so nodes sharing the folder need clocks in sync well within it.
 */
export const LEASE_STALE_MS = 60_000;

/** Who writes the backup, for the operator looking for the process that crashed. */
export const writerSchema = z
  .object({
    host: z.string().min(1).max(255),
    pid: z.number().int().positive(),
    startedAt: z.string().datetime(),
  })
  .strict();
export type BackupWriter = z.infer<typeof writerSchema>;

/**
 * The writer's side: beats on an unref'd timer so that it never keeps the process alive. Each beat
 * rewrites the file rather than setting its times: the file system then stamps the mtime (the file
 * server, on NFS), where `utimes` would stamp this node's clock, which may lag the judge's.
 */
export class BackupLease {
  private timer: NodeJS.Timeout | null = null;
  private readonly writer: BackupWriter;
  private beats = 0;
  private lastBeatAt: number;
  private lastError: unknown = null;
  private inflight: Promise<void> | null = null;

  /** `clock` is monotonic (ms): a wall clock stepped by NTP would fake or hide a silence. */
  constructor(
    private readonly dir: string,
    private readonly opts: { clock?: () => number; onBeatError?: (e: unknown) => void } = {},
  ) {
    this.writer = { host: hostname(), pid: process.pid, startedAt: new Date().toISOString() };
    this.lastBeatAt = this.now();
  }

  async start(): Promise<void> {
    await this.beat();
    this.timer = setInterval(() => {
      if (!this.inflight) this.beat().catch(() => undefined);
    }, HEARTBEAT_MS);
    this.timer.unref();
  }

  /** One beat. A failure is kept (and reported once per streak) rather than swallowed. */
  beat(): Promise<void> {
    const run = this.write();
    this.inflight = run
      .catch(() => undefined)
      .then(() => {
        this.inflight = null;
      });
    return run;
  }

  /** Stops beating; resolves once a beat in flight has landed, so none lands after this. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.inflight;
  }

  /**
   * Makes the folder the backup at `path`. Refuses when the heartbeat went unwritten for longer
   * than a prune waits (a prune may be deleting the folder), and reports a folder a prune claimed
   * first: the rename is the one step both sides race on, and exactly one of them wins it.
   */
  async finish(path: string): Promise<void> {
    await this.stop();
    const silentMs = Math.round(this.now() - this.lastBeatAt);
    if (silentMs > LEASE_STALE_MS) {
      const last = this.lastError === null ? 'none failed' : `the last failed: ${messageOf(this.lastError)}`;
      throw new BackupError(
        'heartbeat_lost',
        `the backup's heartbeat was last written ${silentMs} ms ago, over the ${LEASE_STALE_MS} ms after which a prune removes it (${last}); the backup was not finished`,
        { details: { silentMs, lastBeatError: this.lastError === null ? null : messageOf(this.lastError) } },
      );
    }
    // The heartbeat is no part of a backup.
    await rm(join(this.dir, LEASE_FILE), { force: true });
    try {
      await rename(this.dir, path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      throw new BackupError(
        'backup_claimed',
        'a prune judged this backup create crashed (its heartbeat was over a minute old) and removed its folder before it finished; the backup was not written',
        { cause: e },
      );
    }
  }

  private async write(): Promise<void> {
    // Taken before the write: a write that hangs must not count as a fresh beat.
    const at = this.now();
    this.beats += 1;
    try {
      await writePrivateFile(join(this.dir, LEASE_FILE), JSON.stringify({ ...this.writer, beat: this.beats }));
    } catch (e) {
      if (this.lastError === null) this.opts.onBeatError?.(e);
      this.lastError = e;
      throw e;
    }
    this.lastBeatAt = at;
    this.lastError = null;
  }

  private now(): number {
    return (this.opts.clock ?? (() => performance.now()))();
  }
}

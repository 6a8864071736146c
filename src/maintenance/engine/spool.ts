import { mkdir, readdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isAppError } from '../../errors/index.js';
import type { MaintenanceStore } from '../../store/maintenance-contract.js';
import type { RunDocument } from '../types.js';

/** One run the database could not record, kept on this node's disk until it can. */
export interface SpooledRun {
  readonly doc: RunDocument;
  readonly nodeId: string;
}

/**
 * The reason when `e` says the database cannot be reached (the store's coded `unavailable`), else
 * null: only an outage sends a run to the spool, never a bad document or a bug.
 */
export function databaseDown(e: unknown): string | null {
  if (!isAppError(e) || e.code !== 'unavailable' || e.details?.dependency !== 'database') return null;
  const cause = (e.cause as { message?: unknown; code?: unknown } | undefined) ?? {};
  const why = typeof cause.message === 'string' && cause.message !== '' ? cause.message : cause.code;
  return typeof why === 'string' && why !== '' ? `${e.message} (${why})` : e.message;
}

/**
 * Run documents written while the database was away, one JSON file per run under the data dir
 * (0600 in a 0700 folder: they name the node's dependencies and errors). `replay` stores them once
 * the database answers and claims the slot a scheduled one ran for; it is safe to repeat, so a
 * crash between storing and deleting a file only stores the same document again.
 */
export class RunSpool {
  constructor(private readonly dir: string) {}

  async put(run: SpooledRun): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const file = join(this.dir, `${run.doc.id}.json`);
    await writeFile(`${file}.tmp`, JSON.stringify(run), { mode: 0o600 });
    await rename(`${file}.tmp`, file);
  }

  async get(id: string): Promise<RunDocument | null> {
    return (await this.read(`${id}.json`))?.doc ?? null;
  }

  async list(): Promise<SpooledRun[]> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    const runs: SpooledRun[] = [];
    for (const name of names.filter((n) => n.endsWith('.json'))) {
      const run = await this.read(name);
      if (run) runs.push(run);
    }
    return runs.sort((a, b) => a.doc.startedAt.localeCompare(b.doc.startedAt));
  }

  /**
   * Stores every spooled run, oldest first; rejects (keeping the rest) when the database is still
   * away. A document the database refuses for another reason is renamed `<id>.json.rejected`, kept
   * for a person to read, so that it neither blocks the others nor is retried forever. A run that
   * another node marked `interrupted` meanwhile gets its real result, and `onSuperseded` hears of it.
   */
  async replay(
    store: MaintenanceStore,
    now: Date,
    onRejected: (id: string, e: unknown) => void,
    onSuperseded: (id: string) => void = () => undefined,
  ): Promise<number> {
    let stored = 0;
    for (const { doc, nodeId } of await this.list()) {
      const file = join(this.dir, `${doc.id}.json`);
      try {
        if (await this.store(store, doc, nodeId, now)) onSuperseded(doc.id);
      } catch (e) {
        if (databaseDown(e) !== null) throw e;
        onRejected(doc.id, e);
        await rename(file, `${file}.rejected`).catch(() => undefined);
        continue;
      }
      await unlink(file).catch(() => undefined);
      stored++;
    }
    return stored;
  }

  /** True when the stored run had been marked interrupted and this document replaced that. */
  private async store(store: MaintenanceStore, doc: RunDocument, nodeId: string, now: Date): Promise<boolean> {
    const outcome = await store.finishRun(doc);
    if (outcome === 'missing') await store.insertRun(doc, nodeId, new Date(doc.startedAt));
    // A scheduled run claims its slot, so the history shows it ran; another node that reached the
    // database meanwhile may hold the claim already, and then both runs are kept.
    if (doc.trigger !== 'manual' && doc.scheduledFor !== null)
      await store.claimSlot(doc.plan, new Date(doc.scheduledFor), 'run', doc.id, nodeId, now);
    return outcome === 'superseded';
  }

  /** A file being replaced or removed meanwhile reads as absent. */
  private async read(name: string): Promise<SpooledRun | null> {
    try {
      return JSON.parse(await readFile(join(this.dir, name), 'utf8')) as SpooledRun;
    } catch {
      return null;
    }
  }
}

import { createBackup, type BackupDeps } from './create.js';
import { newBackupId } from './ids.js';

export interface BackupJob {
  readonly id: string;
  readonly state: 'creating' | 'complete' | 'failed';
  readonly startedAt: string;
  readonly error: string | null;
}

const REMEMBERED = 100;

/**
 * Backups started over HTTP: the request returns the id at once (202) and the work goes on here.
 * A failed creation leaves no folder, so its error is kept in memory for `GET /api/backups/:id`.
 */
export class BackupJobs {
  private readonly jobs = new Map<string, BackupJob>();

  constructor(
    private readonly deps: BackupDeps,
    private readonly onError: (id: string, e: unknown) => void,
  ) {}

  start(): string {
    const now = this.deps.now ?? (() => new Date());
    const startedAt = now();
    const id = newBackupId(startedAt);
    this.set({ id, state: 'creating', startedAt: startedAt.toISOString(), error: null });
    createBackup(this.deps, { id }).then(
      () => this.update(id, { state: 'complete' }),
      (e: unknown) => {
        this.update(id, { state: 'failed', error: e instanceof Error ? e.message : String(e) });
        this.onError(id, e);
      },
    );
    return id;
  }

  get(id: string): BackupJob | null {
    return this.jobs.get(id) ?? null;
  }

  private update(id: string, patch: Partial<BackupJob>): void {
    const job = this.jobs.get(id);
    if (job) this.set({ ...job, ...patch });
  }

  private set(job: BackupJob): void {
    this.jobs.set(job.id, job);
    if (this.jobs.size > REMEMBERED) this.jobs.delete(this.jobs.keys().next().value as string);
  }
}

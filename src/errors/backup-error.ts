import { AppError } from './app-error.js';
import type { ErrorCode } from './codes.js';

/**
 * Why a backup operation stopped, each with the product error code it surfaces as. The reason
 * travels in `details.reason`, so scripts and tests match on it rather than on message text.
 * Shared by the backup flows and the store's dump engines, which raise most of them.
 */
const BACKUP_REASONS = {
  backup_not_found: 'not_found',
  /** `restore` refuses a backup that does not verify. */
  backup_invalid: 'conflict',
  /** The restore target already holds data and `--force` was not given. */
  target_not_empty: 'conflict',
  /** A running server uses the restore target (or a restore holds it, for a server starting). */
  target_in_use: 'conflict',
  /** The target cannot take this backup (other engine, schema clash, database missing). */
  target_incompatible: 'validation_failed',
  /** The backup is encrypted and the configured key is absent or another one. */
  encryption_key_mismatch: 'conflict',
  pg_dump_missing: 'unavailable',
  pg_dump_version_mismatch: 'unavailable',
  /** A prune judged the create crashed and claimed its folder before the create could finish. */
  backup_claimed: 'conflict',
  /** The create's heartbeat could not be written for longer than a prune waits: it stops before finishing. */
  heartbeat_lost: 'unavailable',
  dump_failed: 'internal',
  restore_failed: 'internal',
} as const satisfies Record<string, ErrorCode>;

export type BackupReason = keyof typeof BACKUP_REASONS;

export class BackupError extends AppError {
  readonly reason: BackupReason;

  constructor(
    reason: BackupReason,
    message: string,
    opts: { details?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(BACKUP_REASONS[reason], message, { details: { reason, ...opts.details }, cause: opts.cause });
    this.name = 'BackupError';
    this.reason = reason;
  }
}

export const isBackupError = (e: unknown): e is BackupError => e instanceof BackupError;

/** The message of anything thrown, for reasons and findings. */
export const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));

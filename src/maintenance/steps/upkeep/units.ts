import { isAppError } from '../../../errors/index.js';

export const DAY_MS = 24 * 60 * 60 * 1000;
export const MIB = 1024 * 1024;

/** Redis could not be reached (as opposed to refusing one command): a failure, not "not available". */
export const isUnreachable = (e: unknown): boolean => isAppError(e) && e.code === 'unavailable';

/** Nonnegative integer bytes as "12.3 MiB" for messages; figures keep the exact number. */
export function human(bytes: number): string {
  const abs = Math.abs(bytes);
  if (abs < 1024) return `${bytes} B`;
  if (abs < MIB) return `${(bytes / 1024).toFixed(1)} KiB`;
  if (abs < 1024 * MIB) return `${(bytes / MIB).toFixed(1)} MiB`;
  return `${(bytes / (1024 * MIB)).toFixed(2)} GiB`;
}

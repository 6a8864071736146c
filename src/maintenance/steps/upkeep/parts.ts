import { isAppError } from '../../../errors/index.js';
import { statusFrom, type StepOutcome } from '../../step.js';
import type { Finding } from '../../types.js';
import { errorText } from '../health-check/probes.js';

export const DAY_MS = 24 * 60 * 60 * 1000;
export const MIB = 1024 * 1024;

/**
 * Collects what a step measured part by part, the way the daily steps do: a part that throws
 * leaves its figure null and fails the step with the reason, the others still run. A stopped
 * step (timeout) does not start further parts.
 */
export class Parts {
  readonly findings: Finding[] = [];
  readonly failed: string[] = [];

  constructor(private readonly signal: AbortSignal) {}

  async run<T>(what: string, fn: () => Promise<T>): Promise<T | null> {
    if (this.signal.aborted) {
      this.fail(what, `not done: the step was stopped (${String(this.signal.reason)})`);
      return null;
    }
    try {
      return await fn();
    } catch (e) {
      this.fail(what, `failed: ${errorText(e)}`);
      return null;
    }
  }

  fail(what: string, why: string): void {
    this.failed.push(what);
    this.findings.push({ severity: 'error', message: `${what} ${why}` });
  }

  note(severity: Finding['severity'], message: string): void {
    this.findings.push({ severity, message });
  }

  outcome(figures: Record<string, unknown>): StepOutcome {
    return {
      status: statusFrom(this.findings),
      figures,
      findings: this.findings,
      error: this.failed.length > 0 ? `failed: ${this.failed.join(', ')}` : null,
    };
  }
}

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

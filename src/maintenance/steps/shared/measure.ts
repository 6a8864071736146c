import { statusFrom, type StepOutcome } from '../../step.js';
import type { Finding } from '../../types.js';

/**
 * One line for a failure, with the causes a driver hides behind "fetch failed" or "unavailable"
 * (ECONNREFUSED, the timeout), since that is what an operator needs to read in the report.
 */
export function errorText(e: unknown): string {
  const parts: string[] = [];
  let cur: unknown = e;
  for (let depth = 0; cur !== undefined && cur !== null && depth < 4; depth++) {
    const err = cur as { message?: unknown; code?: unknown; cause?: unknown };
    const text =
      typeof err.message === 'string' && err.message !== ''
        ? err.message
        : typeof err.code === 'string'
          ? err.code
          : String(cur);
    if (!parts.includes(text)) parts.push(text);
    cur = err.cause;
  }
  return parts.join(': ');
}

/**
 * What a part that could not be measured means for the step:
 * - `required`: the part is the step's work (a clean-up, an integrity check); failing it fails the step.
 * - `optional`: the part is one reading among several; its figure is null and a warning says why.
 */
export type PartKind = 'required' | 'optional';

/**
 * Collects what a step measures part by part. A part that throws leaves its figure null with a
 * finding saying why, and the other parts still run; a stopped step (timeout) starts no further
 * part. Every step that measures in parts goes through this one helper, so "not measured" reads
 * the same in every report (docs/maintenance.md).
 */
export class Parts {
  readonly failed: string[] = [];

  /** `findings` may be the step's own list, so parts and the step's other checks report together. */
  constructor(
    private readonly signal: AbortSignal,
    readonly findings: Finding[] = [],
  ) {}

  /** A part whose failure fails the step. */
  async run<T>(what: string, fn: () => Promise<T>): Promise<T | null> {
    return this.measure(what, 'required', fn);
  }

  /** A reading that may be missing: null and a warning, the step goes on. */
  async read<T>(what: string, fn: () => Promise<T>): Promise<T | null> {
    return this.measure(what, 'optional', fn);
  }

  async measure<T>(what: string, kind: PartKind, fn: () => Promise<T>): Promise<T | null> {
    if (this.signal.aborted) {
      this.miss(what, kind, `not done: the step was stopped (${String(this.signal.reason)})`);
      return null;
    }
    try {
      return await fn();
    } catch (e) {
      this.miss(what, kind, kind === 'required' ? `failed: ${errorText(e)}` : `not measured: ${errorText(e)}`);
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

  private miss(what: string, kind: PartKind, why: string): void {
    if (kind === 'required') this.fail(what, why);
    else this.note('warning', `${what} ${why}`);
  }
}

/** The maintenance result document as the ledger stores it (glossary: src/maintenance/types.ts). */
export type StepStatus = 'succeeded' | 'failed' | 'warning' | 'skipped';
type RunStatus = 'running' | 'succeeded' | 'failed' | 'interrupted';
export type RunTrigger = 'schedule' | 'manual' | 'catch_up';
export type Severity = 'info' | 'warning' | 'error' | 'critical';

export interface Finding {
  readonly severity: Severity;
  readonly message: string;
}

export interface StepResult {
  readonly name: string;
  readonly status: StepStatus;
  readonly durationMs: number;
  readonly figures: Record<string, unknown>;
  readonly findings: Finding[];
  readonly error: string | null;
}

/** The run's result document (docs/maintenance.md). */
export interface RunDocument {
  readonly id: string;
  readonly plan: string;
  readonly trigger: RunTrigger;
  readonly scheduledFor: string | null;
  readonly startedAt: string;
  readonly endedAt: string | null;
  readonly durationMs: number | null;
  readonly status: RunStatus;
  readonly success: boolean;
  /**
   * True when the run ended with every step `skipped`: no step failed, so it `succeeded`, but it
   * measured nothing, which is not the same as finding everything fine (docs/maintenance.md).
   */
  readonly measuredNothing: boolean;
  readonly steps: StepResult[];
}

/**
 * Reads a stored document. Documents stored before `measuredNothing` existed called such a run
 * `inconclusive`, a status outside the contract: they read as what they were, a run that
 * succeeded and measured nothing.
 */
export function parseRunDocument(text: string): RunDocument {
  const doc = JSON.parse(text) as Omit<RunDocument, 'status' | 'measuredNothing'> & {
    status: RunStatus | 'inconclusive';
    measuredNothing?: boolean;
  };
  if (doc.status === 'inconclusive') return { ...doc, status: 'succeeded', measuredNothing: true };
  return { ...doc, status: doc.status, measuredNothing: doc.measuredNothing ?? false };
}

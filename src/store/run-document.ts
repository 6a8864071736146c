/** The maintenance result document as the ledger stores it (glossary: src/maintenance/types.ts). */
export type StepStatus = 'succeeded' | 'failed' | 'warning' | 'skipped';
/** `inconclusive`: the run ended with every step skipped, so it measured nothing (docs/maintenance.md). */
type RunStatus = 'running' | 'succeeded' | 'failed' | 'interrupted' | 'inconclusive';
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
  readonly steps: StepResult[];
}

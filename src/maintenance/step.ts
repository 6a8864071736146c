import type { Config } from '../config/index.js';
import type { LiveBackend } from '../live/contract.js';
import type { Logger } from '../logging/logger.js';
import type { Store } from '../store/contract.js';
import type { Finding, StepStatus } from './types.js';

/** What a step sees: the node's own backends and config, never a driver. */
export interface StepContext {
  readonly config: Config;
  readonly store: Store;
  readonly live: LiveBackend;
  readonly logger: Logger;
  readonly nodeId: string;
  readonly runId: string;
  readonly plan: string;
  /** Aborted when the step's timeout passes; long steps check it. */
  readonly signal: AbortSignal;
  now(): Date;
  /** Services a step may need that live outside the maintenance folder (backups, probes). */
  readonly services: StepServices;
}

/**
 * Optional capabilities wired in by the runtime. A step whose capability is missing reports
 * `skipped` with the reason rather than inventing a value.
 */
export interface StepServices {
  /** Drops in-process caches that have grown past their bound; returns entries dropped. */
  trimCaches?(): number;
  [name: string]: unknown;
}

/** What a step returns; the engine adds its name and duration. */
export interface StepOutcome {
  readonly status: StepStatus;
  readonly figures: Record<string, unknown>;
  readonly findings: Finding[];
  readonly error?: string | null;
}

export type Step = (ctx: StepContext) => Promise<StepOutcome>;

/** A step's status from its findings: any error or critical finding fails it, a warning warns. */
export function statusFrom(findings: readonly Finding[]): StepStatus {
  if (findings.some((f) => f.severity === 'error' || f.severity === 'critical')) return 'failed';
  if (findings.some((f) => f.severity === 'warning')) return 'warning';
  return 'succeeded';
}

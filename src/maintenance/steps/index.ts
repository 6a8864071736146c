import type { StepName } from '../../config/index.js';
import type { Step } from '../step.js';
import { backupStep } from './backup/index.js';
import { backupVerification } from './backup-verification/index.js';
import { disasterRecovery } from './disaster-recovery/index.js';
import { cacheCleanup } from './cache-cleanup/index.js';
import { databaseMaintenance } from './database-maintenance/index.js';
import { healthCheck } from './health-check/index.js';
import { logAnalysis } from './log-analysis/index.js';
import { performance } from './performance/index.js';
import { cacheOptimization, systemCleanup, systemOptimization, weeklyDatabaseMaintenance } from './upkeep/index.js';
import {
  majorUpdates,
  securityAudit,
  securityHardening,
  securityPatches,
  securityUpdates,
  systemUpdates,
} from './security/index.js';
import {
  capacityPlanning,
  performanceOptimization,
  performanceReview,
  performanceTuning,
} from './perf-review/index.js';

/** One step for each name the config knows. */
export type StepTable = Record<StepName, Step>;

/**
 * Every step this build can run, by the names the plans use (docs/maintenance.md). Typed against the one
 * list of step names in the config, so a step missing here, or one the config does not know, is a
 * compile error rather than a run that reports it unavailable.
 */
export const STEPS = {
  healthCheck,
  logAnalysis,
  performance,
  cacheCleanup,
  databaseMaintenance,
  performanceOptimization,
  performanceTuning,
  capacityPlanning,
  performanceReview,
  securityUpdates,
  systemUpdates,
  securityPatches,
  majorUpdates,
  securityAudit,
  securityHardening,
  weeklyDatabaseMaintenance,
  cacheOptimization,
  systemCleanup,
  systemOptimization,
  backup: backupStep,
  backupVerification,
  disasterRecovery,
} satisfies StepTable;

export function builtInSteps(): ReadonlyMap<string, Step> {
  return new Map<string, Step>(Object.entries(STEPS));
}

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

/** Every step this build can run, by the names the plans use (docs/maintenance.md). */
export function builtInSteps(): ReadonlyMap<string, Step> {
  return new Map<string, Step>([
    ['healthCheck', healthCheck],
    ['logAnalysis', logAnalysis],
    ['performance', performance],
    ['cacheCleanup', cacheCleanup],
    ['databaseMaintenance', databaseMaintenance],
    ['performanceOptimization', performanceOptimization],
    ['performanceTuning', performanceTuning],
    ['capacityPlanning', capacityPlanning],
    ['performanceReview', performanceReview],
    ['securityUpdates', securityUpdates],
    ['systemUpdates', systemUpdates],
    ['securityPatches', securityPatches],
    ['majorUpdates', majorUpdates],
    ['securityAudit', securityAudit],
    ['securityHardening', securityHardening],
    ['weeklyDatabaseMaintenance', weeklyDatabaseMaintenance],
    ['cacheOptimization', cacheOptimization],
    ['systemCleanup', systemCleanup],
    ['systemOptimization', systemOptimization],
    ['backup', backupStep],
    ['backupVerification', backupVerification],
    ['disasterRecovery', disasterRecovery],
  ]);
}

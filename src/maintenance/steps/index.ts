import type { Step } from '../step.js';
import { cacheCleanup } from './cache-cleanup/index.js';
import { databaseMaintenance } from './database-maintenance/index.js';
import { healthCheck } from './health-check/index.js';
import { logAnalysis } from './log-analysis/index.js';
import { performance } from './performance/index.js';

/** Every step this build can run, by the names the plans use (contract §5). */
export function builtInSteps(): ReadonlyMap<string, Step> {
  return new Map<string, Step>([
    ['healthCheck', healthCheck],
    ['logAnalysis', logAnalysis],
    ['performance', performance],
    ['cacheCleanup', cacheCleanup],
    ['databaseMaintenance', databaseMaintenance],
  ]);
}

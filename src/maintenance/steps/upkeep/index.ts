/** Weekly and preventive upkeep steps (docs/maintenance.md): database, cache, disk and process care. */
export { cacheOptimization, createCacheOptimization } from './cache-optimization.js';
export { systemCleanup } from './system-cleanup.js';
export { createSystemOptimization, systemOptimization } from './system-optimization.js';
export { weeklyDatabaseMaintenance } from './weekly-database.js';

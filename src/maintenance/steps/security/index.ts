/**
 * Security and update steps (docs/maintenance.md): securityUpdates (weekly), systemUpdates and
 * securityPatches (monthly), majorUpdates and securityAudit (quarterly), securityHardening
 * (preventive). They share one set of checks; none installs or updates anything.
 */
export { securityUpdates } from './security-updates.js';
export { securityAudit } from './security-audit.js';
export { securityHardening } from './security-hardening.js';
export { systemUpdates, securityPatches } from './system-updates.js';
export { majorUpdates } from './major-updates.js';

export { type NpmResult, type RunNpm } from './npm.js';

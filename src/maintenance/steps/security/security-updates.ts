import type { Step } from '../../step.js';
import { outcome, runSecurityChecks } from './checks.js';

/**
 * Weekly step: dependency advisories (npm audit, or a local OSV snapshot), the Node end of
 * life, and the security scans. When no advisory source answers the step is `skipped` with
 * "audit unavailable" unless other findings already warn or fail; the counts are then null.
 */
export const securityUpdates: Step = async (ctx) => {
  const checks = await runSecurityChecks(ctx);
  return outcome(checks.figures, checks.findings, checks.dependencies.reason);
};

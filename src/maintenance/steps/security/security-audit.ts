import type { Step } from '../../step.js';
import { authTrends } from './auth-trends.js';
import { outcome, runSecurityChecks } from './checks.js';
import { checklistFigures, hardeningChecklist, scoreOf } from './hardening.js';

/**
 * Quarterly step: everything securityUpdates checks, plus the access review (every API key with
 * its role, creation and last use), failed-authentication trends over 90 days, and the score of
 * securityHardening's checklist. An audit changes nothing, so the checklist is only scored.
 */
export const securityAudit: Step = async (ctx) => {
  const checks = await runSecurityChecks(ctx);
  const findings = checks.findings;
  const trends = await authTrends(ctx, findings);
  const checklist = await hardeningChecklist(ctx, checks.modes, checks.secrets);
  const score = scoreOf(checklist);
  const failing = checklist.filter((i) => i.status === 'fail').map((i) => i.id);
  // One line: the weak secrets and loose modes behind some items are already findings above.
  if (failing.length > 0)
    findings.push({
      severity: 'warning',
      message: `hardening score ${score}%: failing ${failing.join(', ')} (run securityHardening for details and fixes)`,
    });

  const figures = {
    ...checks.figures,
    accessReview: checks.keys?.keys ?? null,
    failedAuthentication: trends,
    hardening: { score, checklist: checklistFigures(checklist) },
  };
  return outcome(figures, findings, checks.dependencies.reason);
};

import type { Step } from '../../step.js';
import type { Finding } from '../../types.js';
import { modeFindings, outcome } from './checks.js';
import { scanModes, tightenModes } from './file-modes.js';
import { checklistFigures, hardeningChecklist, scoreOf } from './hardening.js';
import { checkSecrets } from './secrets.js';

/**
 * Preventive step: scores the hardening checklist, applies the one safe measure it may take on
 * its own (group/other bits off under the data dir: files 0600, folders 0700), and scores again.
 * Everything else (keys, TLS, Redis auth, CORS, NODE_ENV) is configuration the operator owns:
 * reported with what to change, never changed here.
 */
export const securityHardening: Step = async (ctx) => {
  const secrets = checkSecrets(ctx.config);
  const before = await scanModes(ctx.config.dataDir);
  const checklistBefore = await hardeningChecklist(ctx, before, secrets);
  ctx.signal.throwIfAborted();

  const applied = await tightenModes(ctx.config.dataDir, before.loose);
  const after = applied.changed.length > 0 ? await scanModes(ctx.config.dataDir) : before;
  const checklist = applied.changed.length > 0 ? await hardeningChecklist(ctx, after, secrets) : checklistBefore;

  const findings: Finding[] = [];
  // dataDirModes is reported file by file below, with who can read each one.
  for (const item of checklist.filter((i) => i.status === 'fail' && i.id !== 'dataDirModes'))
    findings.push({ severity: item.severity, message: `${item.id}: ${item.detail}` });
  // What is left after the measure; the entries it fixed are listed in the figures.
  findings.push(...modeFindings(after));
  for (const f of applied.failed)
    findings.push({ severity: 'warning', message: `could not tighten ${f.path}: ${f.error}` });
  if (applied.changed.length > 0)
    findings.push({
      severity: 'info',
      message: `tightened ${applied.changed.length} modes under ${ctx.config.dataDir} (group/other access removed)`,
    });

  const recommendations = [
    // The docs route is registered unconditionally; refusing it in production is a startup decision.
    'GET /docs is served whatever NODE_ENV says: make startup refuse to serve it in production unless explicitly allowed',
    ...checklist
      .filter((i) => i.status === 'unknown')
      .map((i) => `${i.id}: could not be checked (${i.detail}); check it by hand`),
  ];
  for (const r of recommendations) findings.push({ severity: 'info', message: `recommendation: ${r}` });

  const figures = {
    scoreBefore: scoreOf(checklistBefore),
    scoreAfter: scoreOf(checklist),
    checklist: checklistFigures(checklist),
    measuresApplied: applied.changed,
    measuresFailed: applied.failed,
    recommendations,
  };
  return outcome(figures, findings, null);
};

import type { Step } from '../../step.js';
import type { Finding } from '../../types.js';
import { outcome } from './checks.js';
import { npmOutdated, splitByKind } from './outdated.js';
import { assessRuntime, ltsLines } from './runtime.js';
import { securitySettings } from './settings.js';

/**
 * Quarterly step: the major updates worth planning. Dependencies from `npm outdated` (breaking
 * by caret rules), and the runtime: the LTS lines newer than the one running, with their end of
 * life from the shipped table. An end-of-life runtime is a warning here; the security steps
 * report it as an error, so one fact does not fail two steps of the same plan.
 */
export const majorUpdates: Step = async (ctx) => {
  const settings = securitySettings(ctx);
  const now = ctx.now();
  const findings: Finding[] = [];
  const outdated = await npmOutdated(settings, ctx.runId, ctx.signal);
  const major = outdated.available ? splitByKind(outdated.updates).major : null;
  if (!outdated.available) findings.push({ severity: 'info', message: outdated.reason });
  for (const u of major ?? [])
    findings.push({
      severity: 'info',
      message: `${u.name}: ${u.current} → ${u.latest} is a major update (read its changelog before updating)`,
    });

  const runtime = assessRuntime(settings.nodeVersion, now, 'warning');
  findings.push(...runtime.findings.filter((f) => f.severity !== 'info'));
  const newer = ltsLines(now)
    .filter((l) => runtime.figures.line === null || l.major > runtime.figures.line)
    .map((l) => ({ line: l.major, codename: l.codename ?? null, endOfLife: l.end }));
  if (newer.length > 0 && runtime.figures.status !== 'end_of_life' && runtime.figures.status !== 'eol_soon') {
    findings.push({
      severity: 'info',
      message: `newer Node.js LTS lines: ${newer.map((l) => `${l.line} (end of life ${l.endOfLife})`).join(', ')}`,
    });
  }

  const figures = {
    dependencies: outdated.available
      ? { status: 'measured', majorUpdates: major }
      : { status: 'skipped', reason: outdated.reason },
    runtime: { ...runtime.figures, newerLtsLines: newer },
  };
  return outcome(figures, findings, outdated.available ? null : outdated.reason);
};

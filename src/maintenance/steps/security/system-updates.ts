import type { Step } from '../../step.js';
import type { Finding } from '../../types.js';
import { outcome } from './checks.js';
import { auditDependencies, severityOf } from './dependencies.js';
import { npmOutdated, splitByKind, type AvailableUpdate } from './outdated.js';
import { securitySettings } from './settings.js';

const list = (us: readonly AvailableUpdate[]): string =>
  us
    .slice(0, 10)
    .map((u) => `${u.name} ${u.current} → ${u.latest}`)
    .join(', ') + (us.length > 10 ? `, and ${us.length - 10} more` : '');

/**
 * Monthly step: the dependency updates published, split into patch / minor / major. Nothing is
 * installed: an update changes the running code and goes through the normal release path.
 */
export const systemUpdates: Step = async (ctx) => {
  const outdated = await npmOutdated(securitySettings(ctx), ctx.runId, ctx.signal);
  if (!outdated.available)
    return outcome(
      { updatesAvailable: null, automaticUpdates: false },
      [{ severity: 'info', message: outdated.reason }],
      outdated.reason,
    );
  const split = splitByKind(outdated.updates);
  const findings: Finding[] = [];
  for (const kind of ['patch', 'minor', 'major'] as const) {
    if (split[kind].length > 0)
      findings.push({
        severity: 'info',
        message: `${split[kind].length} ${kind} updates available: ${list(split[kind])}`,
      });
  }
  if (outdated.notInstalled.length > 0) {
    findings.push({
      severity: 'warning',
      message: `declared in package.json but not installed: ${outdated.notInstalled.join(', ')} (run npm ci)`,
    });
  }
  const figures = {
    updatesAvailable: outdated.updates.length,
    ...split,
    notInstalled: outdated.notInstalled,
    unclassified: outdated.unclassified,
    automaticUpdates: false,
  };
  return outcome(figures, findings, null);
};

/**
 * Monthly step: the updates that fix published advisories, listed first with what they fix,
 * then the other updates. Which updates fix something is only known from an advisory source;
 * without one the step is `skipped` ("audit unavailable") and the updates are listed as plain.
 */
export const securityPatches: Step = async (ctx) => {
  const settings = securitySettings(ctx);
  const scratch: Finding[] = []; // the advisories themselves are securityUpdates' findings
  const [deps, outdated] = await Promise.all([
    auditDependencies(settings, ctx.runId, ctx.signal, scratch, ctx.now()),
    npmOutdated(settings, ctx.runId, ctx.signal),
  ]);
  const updates = outdated.available ? outdated.updates : [];
  const findings: Finding[] = [];

  const patches = deps.packages
    .filter((p) => p.fixAvailable)
    .map((p) => {
      const target = p.fixTarget ?? null;
      const update = target ? (updates.find((u) => u.name === target.name) ?? null) : null;
      const how = target
        ? `update ${target.name} to ${target.version}${update ? ` (installed ${update.current})` : ''}`
        : p.fix;
      findings.push({
        severity: severityOf(p),
        message: `security patch for ${p.name} (${p.severity}${p.devOnly ? ', devDependency only' : ''}): ${how}; fixes ${p.advisories.slice(0, 3).join(', ')}`,
      });
      return { package: p.name, severity: p.severity, devOnly: p.devOnly, fixes: p.advisories, how, update };
    });
  const patched = new Set(patches.flatMap((p) => (p.update ? [p.update.name] : [])));
  const others = updates.filter((u) => !patched.has(u.name));
  const unfixed = deps.packages.filter((p) => !p.fixAvailable);
  if (unfixed.length > 0)
    findings.push({
      severity: 'warning',
      message: `no fix published yet for ${unfixed.map((p) => `${p.name} (${p.severity})`).join(', ')}`,
    });

  const reasons = [deps.reason, outdated.available ? null : outdated.reason].filter((r): r is string => r !== null);
  for (const r of reasons) findings.push({ severity: 'info', message: r });
  const figures = {
    advisoryCheck: deps.status,
    updateCheck: outdated.available ? 'measured' : 'skipped',
    securityPatches: deps.status === 'measured' ? patches : null,
    otherUpdates: outdated.available ? splitByKind(others) : null,
    unfixedAdvisories:
      deps.status === 'measured'
        ? unfixed.map((p) => ({ package: p.name, severity: p.severity, advisories: p.advisories }))
        : null,
    patchesApplied: 0,
  };
  // Without advisories the step cannot do its job (say which updates matter), whatever npm outdated said.
  return outcome(
    figures,
    findings,
    deps.reason === null ? null : `${deps.reason}; cannot tell which updates fix advisories`,
  );
};

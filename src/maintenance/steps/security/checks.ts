import { dirname, relative } from 'node:path';
import { statusFrom, type StepContext, type StepOutcome } from '../../step.js';
import type { Finding } from '../../types.js';
import { auditDependencies, type DependencyAudit } from './dependencies.js';
import { scanModes, type ModeScan } from './file-modes.js';
import { reviewKeys, type KeysReport } from './keys.js';
import { assessRuntime } from './runtime.js';
import { checkSecrets, type SecretsReport } from './secrets.js';
import { securitySettings, type SecuritySettings } from './settings.js';

/** This build signs nothing (keys are random bearer secrets stored as hashes): nothing to rotate. */
const KEY_ROTATION = 'not applicable: no signing keys';

export interface SecurityChecks {
  readonly settings: SecuritySettings;
  readonly figures: Record<string, unknown>;
  readonly findings: Finding[];
  readonly dependencies: DependencyAudit;
  readonly modes: ModeScan;
  readonly secrets: SecretsReport;
  readonly keys: KeysReport | null;
}

/**
 * Everything securityUpdates checks, written once so securityAudit can run the same: dependency
 * advisories, the Node end of life, and the scans (data-dir file modes, weak secrets, unused
 * and surplus API keys). Nothing is changed: updates are never applied silently.
 */
export async function runSecurityChecks(ctx: StepContext): Promise<SecurityChecks> {
  const settings = securitySettings(ctx);
  const findings: Finding[] = [];
  const now = ctx.now();
  const [dependencies, modes, keys] = await Promise.all([
    auditDependencies(settings, ctx.runId, ctx.signal, findings, now),
    scanModes(ctx.config.dataDir, outsideFiles(ctx)),
    reviewKeys(ctx.store, now, settings, findings),
  ]);
  const runtime = assessRuntime(settings.nodeVersion, now);
  findings.push(...runtime.findings);
  findings.push(...modeFindings(modes));
  const secrets = checkSecrets(ctx.config);
  for (const s of secrets.issues) findings.push({ severity: s.severity, message: s.problem });

  const figures = {
    dependencyAudit: dependencies,
    // Vulnerable packages a fix exists for; null when no advisory source answered.
    updatesAvailable: dependencies.fixable,
    patchesApplied: 0,
    automaticPatching: false,
    runtime: runtime.figures,
    securityScan: {
      fileModes: {
        checked: modes.entries,
        loose: modes.loose,
        truncated: modes.truncated,
        unreadable: modes.unreadable,
      },
      secrets: { masterKey: secrets.masterKey, issues: secrets.issues.map((i) => i.problem) },
      apiKeys: keys && {
        total: keys.keys.length,
        adminKeys: keys.adminKeys,
        maxAdminKeys: keys.maxAdminKeys,
        staleKeyDays: keys.staleKeyDays,
        staleKeys: keys.staleKeys,
      },
    },
    keyRotation: KEY_ROTATION,
  };
  return { settings, figures, findings, dependencies, modes, secrets, keys };
}

/** Files that hold secrets or data but may live outside the data dir. */
function outsideFiles(ctx: StepContext): string[] {
  const c = ctx.config;
  const out: string[] = [];
  const outside = (p: string) => relative(c.dataDir, p).startsWith('..');
  if (c.configFile && outside(c.configFile)) out.push(c.configFile);
  if (c.database.kind === 'sqlite' && outside(dirname(c.database.path)))
    out.push(c.database.path, `${c.database.path}-wal`, `${c.database.path}-shm`);
  return out;
}

/** Really readable by others: error; by the group: warning; loose but shielded by a 0700 folder: one info line. */
export function modeFindings(modes: ModeScan): Finding[] {
  const findings: Finding[] = [];
  for (const l of modes.loose.filter((x) => x.reachableBy !== 'nobody').slice(0, 20)) {
    // Outside the data dir the folders above were not walked: a warning, since they may shield it.
    const severity = l.outside ? 'warning' : l.reachableBy === 'others' ? 'error' : 'warning';
    const who = l.reachableBy === 'others' ? 'every local user' : 'its group';
    findings.push({
      severity,
      message: `${l.kind} ${l.path} has mode ${l.mode}: readable by ${who}${l.outside ? ' unless a folder above it prevents that' : ''}; it should be ${l.kind === 'dir' ? '0700' : '0600'}`,
    });
  }
  const shielded = modes.loose.filter((x) => x.reachableBy === 'nobody');
  if (shielded.length > 0)
    findings.push({
      severity: 'info',
      message: `${shielded.length} entries have loose modes (${shielded
        .slice(0, 5)
        .map((l) => `${l.path} ${l.mode}`)
        .join(', ')}) but a 0700 folder above them keeps others out; securityHardening tightens them`,
    });
  if (modes.truncated)
    findings.push({
      severity: 'warning',
      message: `the data dir has more than ${modes.entries} entries; the rest were not checked`,
    });
  for (const u of modes.unreadable) findings.push({ severity: 'warning', message: `could not check ${u}` });
  return findings;
}

/**
 * The step's outcome: failed or warning from the findings; `skipped` with the reason when the
 * findings are clean but the main measurement could not be made (a clean result from nothing
 * measured would be an invented value).
 */
export function outcome(
  figures: Record<string, unknown>,
  findings: Finding[],
  skippedReason: string | null,
): StepOutcome {
  const status = statusFrom(findings);
  if (status === 'succeeded' && skippedReason !== null)
    return { status: 'skipped', figures, findings, error: skippedReason };
  return { status, figures, findings, error: null };
}

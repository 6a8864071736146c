import type { Config } from '../../../config/index.js';
import type { Severity } from '../../types.js';

interface SecretIssue {
  readonly secret: 'masterKey' | 'apiKey' | 'backupEncryptionKey';
  readonly problem: string;
  readonly severity: Severity;
}

export interface SecretsReport {
  /** `generated`: no QK_MASTER_KEY, so the node made a random 256-bit key on its first start. */
  readonly masterKey: 'strong' | 'weak' | 'generated';
  readonly issues: SecretIssue[];
}

/** Placeholders people paste from examples; matched on the lower-cased key with separators removed. */
const PLACEHOLDER =
  /changeme|replaceme|placeholder|example|yourmasterkey|yourapikey|yoursecret|^(password|secret|admin|default|queuekeeper|masterkey)/;
const MIN_LENGTH = 32;
/** Far below what any random 32-character key shows (hex ≈ 115 bits observed), far above a phrase repeated. */
const MIN_ESTIMATED_BITS = 96;
const MIN_DISTINCT = 10;

/**
 * Why a bearer key is weak, or null. The checks are estimates from the key itself (length,
 * placeholders, repetition, character spread); a key that passes them is not proven random,
 * but one that fails is certainly guessable.
 */
export function weakKeyReason(key: string): string | null {
  if (key.length < MIN_LENGTH) return `shorter than ${MIN_LENGTH} characters (${key.length})`;
  if (PLACEHOLDER.test(key.toLowerCase().replace(/[^a-z0-9]/g, ''))) return 'a well-known placeholder value';
  if (/^(.{1,16}?)\1+(.{0,15})$/s.test(key)) return 'a short pattern repeated';
  const distinct = new Set(key).size;
  if (distinct < MIN_DISTINCT) return `low entropy: only ${distinct} distinct characters`;
  const bits = estimatedBits(key);
  if (bits < MIN_ESTIMATED_BITS) return `low entropy: about ${Math.round(bits)} bits`;
  return null;
}

/** Length times the Shannon entropy of the key's own character frequencies. */
function estimatedBits(key: string): number {
  const freq = new Map<string, number>();
  for (const c of key) freq.set(c, (freq.get(c) ?? 0) + 1);
  let h = 0;
  for (const n of freq.values()) h -= (n / key.length) * Math.log2(n / key.length);
  return h * key.length;
}

export function checkSecrets(config: Config): SecretsReport {
  const issues: SecretIssue[] = [];
  const master = config.masterKey === null ? null : weakKeyReason(config.masterKey);
  if (master)
    issues.push({
      secret: 'masterKey',
      problem: `QK_MASTER_KEY is ${master}: anyone who guesses it is admin`,
      severity: 'error',
    });
  if (config.apiKey !== null && config.apiKey !== config.masterKey) {
    const api = weakKeyReason(config.apiKey);
    if (api) issues.push({ secret: 'apiKey', problem: `QK_API_KEY is ${api}`, severity: 'error' });
  }
  const enc = config.backup.encryptionKey;
  if (enc !== null) {
    // A 32-byte random key has ~30 distinct bytes; 8 or fewer means a hand-typed or zeroed key.
    const distinct = new Set(enc).size;
    if (enc.every((b) => b === 0))
      issues.push({
        secret: 'backupEncryptionKey',
        problem: 'QK_BACKUP_ENCRYPTION_KEY is all zeros: backups are encrypted with a key everyone knows',
        severity: 'error',
      });
    else if (distinct <= 8)
      issues.push({
        secret: 'backupEncryptionKey',
        problem: `QK_BACKUP_ENCRYPTION_KEY has only ${distinct} distinct bytes: not random`,
        severity: 'error',
      });
  }
  return { masterKey: config.masterKey === null ? 'generated' : master ? 'weak' : 'strong', issues };
}

import type { Store } from '../../../store/contract.js';
import type { Finding } from '../../types.js';

/** One API key as the access review shows it; never the key or its hash. */
interface KeyReview {
  readonly id: string;
  readonly role: string;
  readonly name: string;
  readonly createdAt: string;
  readonly lastUsedAt: string | null;
  /** Whole days since it was last used, or since it was created when never used. */
  readonly idleDays: number;
}

export interface KeysReport {
  readonly keys: KeyReview[];
  readonly adminKeys: number;
  readonly maxAdminKeys: number;
  readonly staleKeyDays: number;
  readonly staleKeys: string[];
}

const DAY = 86_400_000;

/**
 * Unused and surplus keys: each is a bearer secret that works until revoked, so one nobody uses
 * is pure risk. The master key (QK_MASTER_KEY) is not a stored key and is not counted here.
 * Resolves to null with a warning when the store does not answer: not measured is not clean.
 */
export async function reviewKeys(
  store: Store,
  now: Date,
  limits: { maxAdminKeys: number; staleKeyDays: number },
  findings: Finding[],
): Promise<KeysReport | null> {
  let list;
  try {
    list = await store.listKeys();
  } catch (e) {
    findings.push({
      severity: 'warning',
      message: `API keys not reviewed: the store did not list them (${(e as Error)?.message ?? String(e)})`,
    });
    return null;
  }
  const keys = list
    .map((k): KeyReview => {
      const last = k.lastUsedAt ?? k.createdAt;
      return {
        id: k.id,
        role: k.role,
        name: k.name,
        createdAt: k.createdAt.toISOString(),
        lastUsedAt: k.lastUsedAt?.toISOString() ?? null,
        idleDays: Math.max(0, Math.floor((now.getTime() - last.getTime()) / DAY)),
      };
    })
    .sort((a, b) => b.idleDays - a.idleDays || a.id.localeCompare(b.id));

  const stale = keys.filter((k) => k.idleDays > limits.staleKeyDays);
  for (const k of stale) {
    const since = k.lastUsedAt
      ? `last used ${k.lastUsedAt.slice(0, 10)}`
      : `never used since it was created on ${k.createdAt.slice(0, 10)}`;
    findings.push({
      severity: 'warning',
      message: `${k.role} key "${k.name}" (${k.id}) unused for ${k.idleDays} days (${since}); revoke it (DELETE /api/keys/${k.id}) if nobody needs it`,
    });
  }
  const adminKeys = keys.filter((k) => k.role === 'admin').length;
  if (adminKeys > limits.maxAdminKeys) {
    findings.push({
      severity: 'warning',
      message: `${adminKeys} admin keys exist, more than the ${limits.maxAdminKeys} allowed; give operators operator keys and revoke the admin keys nobody needs`,
    });
  }
  return {
    keys,
    adminKeys,
    maxAdminKeys: limits.maxAdminKeys,
    staleKeyDays: limits.staleKeyDays,
    staleKeys: stale.map((k) => k.id),
  };
}

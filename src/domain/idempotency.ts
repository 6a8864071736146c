import { AppError } from '../errors/index.js';
import { sealToken, sha256, unsealToken } from './tokens.js';
import type { TicketPriority } from './types.js';

/** The fields of a join that a replay must repeat exactly. */
export interface JoinFields {
  readonly name?: string | null | undefined;
  readonly contact?: string | null | undefined;
  readonly metadata?: Record<string, unknown> | null | undefined;
  readonly priority?: TicketPriority | undefined;
}

/**
 * The request's fingerprint: its fields after defaults, metadata keys sorted, so that a client
 * retrying the same join matches however its JSON library orders or omits fields.
 */
export function joinFingerprint(f: JoinFields): string {
  const meta = f.metadata ? Object.fromEntries(Object.entries(f.metadata).sort(([a], [b]) => (a < b ? -1 : 1))) : null;
  return sha256(JSON.stringify([f.name ?? null, f.contact ?? null, meta, f.priority ?? 'normal']));
}

/**
 * Seals the token together with the request's fingerprint. Fingerprints are hex and tokens
 * base64url, so the dot cannot occur in either.
 */
export const sealReplay = (token: string, fingerprint: string, key: Buffer): string =>
  sealToken(`${fingerprint}.${token}`, key);

/**
 * The token of a replayed join, only for the same request: `mismatch` for another body (or a
 * record sealed before fingerprints existed, which proves nothing), `null` when the record cannot
 * be opened (another seal key).
 */
function openReplay(sealed: string, fingerprint: string, key: Buffer): string | 'mismatch' | null {
  const plain = unsealToken(sealed, key);
  if (plain === null) return null;
  const dot = plain.indexOf('.');
  if (dot < 0 || plain.slice(0, dot) !== fingerprint) return 'mismatch';
  return plain.slice(dot + 1);
}

/**
 * The token a replayed join hands back: the original's, only for the same request. Returning it
 * for another body would hand the ticket to whoever guessed the key.
 */
export function replayedToken(sealed: string | null | undefined, fingerprint: string | null, key: Buffer): string {
  const token = sealed && fingerprint !== null ? openReplay(sealed, fingerprint, key) : null;
  if (token === 'mismatch')
    throw new AppError('idempotency_key_reused', 'this Idempotency-Key was used for a different request');
  if (token === null)
    throw new AppError('conflict', 'this Idempotency-Key was used for a ticket whose token can no longer be returned');
  return token;
}

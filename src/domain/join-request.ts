import { AppError } from '../errors/index.js';
import type { JoinOutcome, JoinRequest } from '../store/contract.js';
import { joinFingerprint, sealReplay } from './idempotency.js';
import type { JoinInput } from './service-types.js';
import { newId, sha256 } from './tokens.js';

/**
 * A customer's join as the store takes it, and the fingerprint of its fields: a replay with the
 * same key must bring the same fields to get the token back.
 */
export function joinRequest(
  input: JoinInput,
  idempotencyKey: string | null,
  token: string,
  sealKey: Buffer,
): { req: JoinRequest; fingerprint: string | null } {
  if (input.email !== undefined) input = { ...input, contact: input.email.trim() };
  const fingerprint = idempotencyKey === null ? null : joinFingerprint(input);
  const req: JoinRequest = {
    id: newId('t'),
    tokenHash: sha256(token),
    priority: input.priority ?? 'normal',
    name: input.name ?? null,
    contact: input.contact ?? null,
    metadata: input.metadata ?? null,
    lang: input.lang ?? null,
    idempotencyKey,
    sealedToken: fingerprint === null ? null : sealReplay(token, fingerprint, sealKey),
  };
  return { req, fingerprint };
}

const REFUSALS = {
  not_found: 'queue not found',
  queue_full: 'the queue is at capacity',
  queue_closed: 'the queue is closed',
} as const;

/** The coded error a refused join answers with. */
export const joinRefusal = (o: Extract<JoinOutcome, { kind: 'rejected' }>): AppError =>
  new AppError(o.code, REFUSALS[o.code]);

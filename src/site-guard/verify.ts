import { createRemoteJWKSet, errors, jwtVerify } from 'jose';

/** What a site learns from a valid pass. */
export interface QueuePass {
  readonly queueId: string;
  readonly ticketId: string;
  readonly expiresAt: Date;
}

/** `valid` passes; `invalid` sends the visitor to the queue; `unavailable` when no key can be had. */
export type PassOutcome =
  | { readonly kind: 'valid'; readonly pass: QueuePass }
  | { readonly kind: 'invalid' }
  | { readonly kind: 'unavailable' };

export interface VerifierOptions {
  readonly issuer: string;
  readonly queueId: string;
  readonly jwksUrl: URL;
  readonly clockToleranceSeconds: number;
  readonly now: () => Date;
}

/**
 * Checks passes offline: jose keeps the JWKS it fetched and fetches again only for a `kid` it has
 * not seen (at most every 30 s), so a site asks queuekeeper once per key rotation, not per visit.
 */
export function passVerifier(o: VerifierOptions): (token: string) => Promise<PassOutcome> {
  const keys = createRemoteJWKSet(o.jwksUrl);
  return async (token) => {
    try {
      const { payload } = await jwtVerify(token, keys, {
        issuer: o.issuer,
        audience: o.queueId,
        algorithms: ['ES256'],
        requiredClaims: ['sub', 'exp'],
        clockTolerance: o.clockToleranceSeconds,
        currentDate: o.now(),
      });
      return {
        kind: 'valid',
        pass: { queueId: o.queueId, ticketId: String(payload.sub), expiresAt: new Date(Number(payload.exp) * 1000) },
      };
    } catch (e) {
      // A JWKS that cannot be fetched says nothing about the pass: the visitor is not sent back to
      // the end of the line for the queue server's outage.
      if (e instanceof errors.JWKSTimeout || !(e instanceof errors.JOSEError)) return { kind: 'unavailable' };
      return { kind: 'invalid' };
    }
  };
}

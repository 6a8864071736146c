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

/** What only a bad pass raises; anything else (the keys could not be fetched or read) says nothing of it. */
const PASS_FAULTS = [
  errors.JWSSignatureVerificationFailed,
  errors.JWSInvalid,
  errors.JWTInvalid,
  errors.JWTExpired,
  errors.JWTClaimValidationFailed,
  errors.JOSEAlgNotAllowed,
  errors.JOSENotSupported,
  errors.JWKSNoMatchingKey,
];

/**
 * Checks passes offline: jose keeps the JWKS it fetched for good and fetches again only for a `kid`
 * it has not seen (at most every 30 s), so a site asks queuekeeper once per key rotation, not per
 * visit, and an outage of queuekeeper does not stop the passes it already signed.
 */
export function passVerifier(o: VerifierOptions): (token: string) => Promise<PassOutcome> {
  const keys = createRemoteJWKSet(o.jwksUrl, { cacheMaxAge: Infinity });
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
      // A JWKS that cannot be fetched (down, timed out, a proxy's 502) says nothing about the pass:
      // the visitor is not sent back to the end of the line for the queue server's outage.
      return PASS_FAULTS.some((f) => e instanceof f) ? { kind: 'invalid' } : { kind: 'unavailable' };
    }
  };
}

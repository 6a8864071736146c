import type { FastifyReply, FastifyRequest } from 'fastify';
import type { KeyRole } from '../domain/types.js';
import { AppError } from '../errors/index.js';
import type { KeyAuthority, Principal } from '../domain/keys.js';
import { sameDigest, sha256 } from '../domain/tokens.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
}

/** An operator or admin key: the keys that see a queue in full. A site key is not staff. */
export const isStaff = (p: Principal | null | 'malformed'): boolean =>
  p !== null && p !== 'malformed' && (p.role === 'admin' || p.role === 'operator');

/**
 * A preHandler that admits the given roles; 401 without a valid key, 403 with the wrong role.
 * `extraToken` is one more bearer token admitted without a role (a metrics scraper's).
 */
export function requireRole(auth: KeyAuthority, roles: readonly KeyRole[], extraToken: string | null = null) {
  const extraDigest = extraToken === null ? null : sha256(extraToken);
  return async (req: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    if (extraDigest !== null) {
      const m = /^bearer +(\S+)$/i.exec(req.headers.authorization ?? '');
      if (m && sameDigest(sha256(m[1] as string), extraDigest)) return;
    }
    const p = await auth.resolve(req.headers.authorization);
    if (p === null || p === 'malformed') {
      req.log.warn(
        {
          reqId: req.id,
          event: 'auth_failed',
          ip: req.ip,
          route: req.routeOptions.url,
          reason: p === null ? 'missing_or_unknown_key' : 'malformed',
        },
        'authentication failed',
      );
      throw new AppError('unauthorized', 'a valid bearer key is required (Authorization: Bearer <key>)');
    }
    if (!roles.includes(p.role)) {
      req.log.warn(
        { reqId: req.id, event: 'forbidden', ip: req.ip, route: req.routeOptions.url, keyId: p.keyId },
        'role not allowed',
      );
      throw new AppError('forbidden', `this route needs the ${roles.join(' or ')} role`);
    }
    req.principal = p;
  };
}

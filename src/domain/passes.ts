import { createHash } from 'node:crypto';
import { exportJWK, generateKeyPair, importJWK, jwtVerify, SignJWT, type JWK } from 'jose';
import type { SigningKeyRecord, WaitingRoomStore } from '../store/waiting-room-contract.js';
import { sealToken, unsealToken } from './tokens.js';
import type { TicketRecord } from './types.js';

/** A signing key signs passes for one period, then the next period's key takes over. */
const KEY_ROTATION_MS = 24 * 3_600_000;
/** The longest session a room may give (the settings' limit): how long a retired key stays published. */
export const MAX_SESSION_SECONDS = 86_400;
const RELOAD_MS = 60_000;
const SIGNED_CACHE_MAX = 10_000;

type PrivateKey = Awaited<ReturnType<typeof importJWK>>;

/** A published key: the public half of an ES256 key, as a JWK. */
export interface PublicJwk {
  kty: string;
  crv: string;
  x: string;
  y: string;
  kid: string;
  alg: string;
  use: string;
}

export interface PassCheck {
  valid: boolean;
  queueId: string | null;
  ticketId: string | null;
  expiresAt: string | null;
}

/**
 * Passes: ES256 JWTs that tell a protected site a visitor was admitted, checkable offline against
 * the published JWKS. Keys are made on first use, one per rotation period (the generation every
 * node computes from the clock, so all nodes sign with the same key); the private half is stored
 * sealed with the node's seal key, which backups leave out, so a backup never holds it in clear.
 */
export class Passes {
  private keys: SigningKeyRecord[] = [];
  private loadedAt = -Infinity;
  private readonly privates = new Map<string, PrivateKey>();
  private readonly signed = new Map<string, string>();
  private readonly sealId: string;

  constructor(
    private readonly store: WaitingRoomStore,
    private readonly sealKey: Buffer,
    private readonly issuer: string,
    private readonly now: () => Date,
  ) {
    this.sealId = createHash('sha256').update(sealKey).digest('hex').slice(0, 32);
  }

  /** The pass of an admitted ticket whose session runs; the same session gets the same pass. */
  async issue(t: TicketRecord): Promise<string | null> {
    if (t.status !== 'admitted' || t.admittedUntil === null || t.admittedUntil <= this.now()) return null;
    const cacheKey = `${t.id}:${t.admittedUntil.getTime()}`;
    const hit = this.signed.get(cacheKey);
    if (hit) return hit;
    const key = await this.current();
    const pass = await new SignJWT({})
      .setProtectedHeader({ alg: 'ES256', kid: key.kid, typ: 'JWT' })
      .setIssuer(this.issuer)
      .setAudience(t.queueId)
      .setSubject(t.id)
      .setIssuedAt(Math.floor(this.now().getTime() / 1000))
      .setExpirationTime(Math.floor(t.admittedUntil.getTime() / 1000))
      .sign(await this.privateKey(key));
    if (this.signed.size >= SIGNED_CACHE_MAX) this.signed.clear();
    this.signed.set(cacheKey, pass);
    return pass;
  }

  /** `GET /.well-known/jwks.json`: the current key and every retired one whose passes may still be valid. */
  async jwks(): Promise<{ keys: PublicJwk[] }> {
    await this.current();
    const now = this.now().getTime();
    return {
      keys: this.keys
        .filter((k) => k.publishedUntil.getTime() > now && k.createdAt.getTime() <= now)
        .map((k) => JSON.parse(k.publicJwk) as PublicJwk),
    };
  }

  /** Checks signature, issuer, expiry; the caller checks the session is still open. */
  async verify(pass: string): Promise<PassCheck> {
    const invalid = { valid: false, queueId: null, ticketId: null, expiresAt: null };
    try {
      const { keys } = await this.jwks();
      const { payload } = await jwtVerify(
        pass,
        async (header) => {
          const jwk = keys.find((k) => k.kid === header.kid);
          if (!jwk) throw new Error('unknown kid');
          return importJWK(jwk as JWK, 'ES256');
        },
        { issuer: this.issuer, algorithms: ['ES256'], currentDate: this.now() },
      );
      const aud = Array.isArray(payload.aud) ? payload.aud[0] : payload.aud;
      if (typeof aud !== 'string' || typeof payload.sub !== 'string' || typeof payload.exp !== 'number') return invalid;
      return {
        valid: true,
        queueId: aud,
        ticketId: payload.sub,
        expiresAt: new Date(payload.exp * 1000).toISOString(),
      };
    } catch {
      return invalid;
    }
  }

  private async current(): Promise<SigningKeyRecord> {
    const now = this.now().getTime();
    const generation = Math.floor(now / KEY_ROTATION_MS);
    const mine = (k: SigningKeyRecord) => k.generation === generation && k.sealId === this.sealId;
    if (now - this.loadedAt > RELOAD_MS || !this.keys.some(mine)) {
      this.keys = await this.store.signingKeys();
      this.loadedAt = now;
    }
    const found = this.keys.find(mine);
    if (found) return found;
    const made = await this.store.addSigningKey(await this.makeKey(generation, now));
    this.keys = await this.store.signingKeys();
    return made;
  }

  private async makeKey(generation: number, now: number): Promise<SigningKeyRecord> {
    const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
    const pub = await exportJWK(publicKey);
    const kid = createHash('sha256')
      .update(JSON.stringify([pub.x, pub.y]))
      .digest('base64url')
      .slice(0, 16);
    const retiresAt = (generation + 1) * KEY_ROTATION_MS;
    return {
      kid,
      generation,
      sealId: this.sealId,
      publicJwk: JSON.stringify({ ...pub, kid, alg: 'ES256', use: 'sig' }),
      sealedPrivate: sealToken(JSON.stringify(await exportJWK(privateKey)), this.sealKey),
      createdAt: new Date(now),
      retiresAt: new Date(retiresAt),
      publishedUntil: new Date(retiresAt + MAX_SESSION_SECONDS * 1000),
    };
  }

  private async privateKey(k: SigningKeyRecord): Promise<PrivateKey> {
    const cached = this.privates.get(k.kid);
    if (cached) return cached;
    const jwk = unsealToken(k.sealedPrivate, this.sealKey);
    if (jwk === null) throw new Error(`signing key ${k.kid} cannot be unsealed with this node's seal key`);
    const key = await importJWK(JSON.parse(jwk) as JWK, 'ES256');
    this.privates.set(k.kid, key);
    return key;
  }
}

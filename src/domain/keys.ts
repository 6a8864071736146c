import { AppError } from '../errors/index.js';
import type { Store } from '../store/contract.js';
import { newApiKey, newId, sameDigest, sha256 } from './tokens.js';
import type { ApiKey, KeyRole } from './types.js';

export interface Principal {
  readonly keyId: string;
  readonly role: KeyRole;
  /** The waiting room a `site` key belongs to; null for the other roles. */
  readonly queueId: string | null;
}

const CACHE_MS = 5_000;
const TOUCH_MS = 60_000;

/**
 * Resolves bearer keys to principals. Keys are stored as SHA-256 digests and compared in constant
 * time. A short cache spares the database a lookup per operator request; a deleted key stops
 * working within CACHE_MS.
 */
export class KeyAuthority {
  private readonly cache = new Map<string, { p: Principal | null; until: number }>();
  private readonly touched = new Map<string, number>();

  constructor(
    private readonly store: Store,
    private readonly masterKeyHash: () => string | null,
  ) {}

  async resolve(header: string | undefined): Promise<Principal | null | 'malformed'> {
    if (header === undefined) return null;
    // HTTP auth schemes are case-insensitive: `bearer` and `BEARER` are the same scheme.
    const m = /^Bearer +([\x21-\x7e]{1,512})$/i.exec(header);
    if (!m) return 'malformed';
    const digest = sha256(m[1] as string);
    const now = Date.now();
    const hit = this.cache.get(digest);
    if (hit && hit.until > now) return hit.p;
    const master = this.masterKeyHash();
    let p: Principal | null = null;
    if (master !== null && sameDigest(digest, master)) p = { keyId: 'master', role: 'admin', queueId: null };
    else {
      const rec = await this.store.findKeyByHash(digest);
      if (rec && sameDigest(digest, rec.keyHash)) {
        p = { keyId: rec.id, role: rec.role, queueId: rec.queueId };
        if ((this.touched.get(rec.id) ?? 0) < now - TOUCH_MS) {
          this.touched.set(rec.id, now);
          await this.store.touchKey(rec.id, new Date(now));
        }
      }
    }
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(digest, { p, until: now + CACHE_MS });
    return p;
  }

  forget(): void {
    this.cache.clear();
  }
}

/** A site key names an existing waiting room; the other roles name none. */
async function checkBinding(store: Store, role: KeyRole, queueId: string | null): Promise<void> {
  if (role !== 'site') {
    if (queueId !== null) throw new AppError('validation_failed', 'queueId: only a site key belongs to a queue');
    return;
  }
  if (queueId === null) throw new AppError('validation_failed', 'queueId: a site key needs the id of its waiting room');
  const q = await store.getQueue(queueId);
  if (q?.mode !== 'waiting_room')
    throw new AppError('validation_failed', `queueId: ${queueId} is not a waiting room`, { details: { queueId } });
}

/**
 * The one way an API key is made, for the HTTP route and the CLI alike: 256 random bits, stored
 * only as their digest. The key itself is in the result and nowhere else: show it once.
 */
export async function issueApiKey(
  store: Store,
  input: { role: KeyRole; name: string; queueId?: string | null },
  now: Date,
): Promise<{ record: ApiKey; key: string }> {
  const queueId = input.queueId ?? null;
  await checkBinding(store, input.role, queueId);
  const key = newApiKey();
  const record = await store.createKey(
    { id: newId('key'), role: input.role, name: input.name, keyHash: sha256(key), queueId },
    now,
  );
  return { record, key };
}

import {
  createCipheriv,
  createDecipheriv,
  createHash,
  randomBytes,
  randomFillSync,
  timingSafeEqual,
} from 'node:crypto';

const POOL_BYTES = 8192;
const pool = Buffer.alloc(POOL_BYTES);
let poolAt = POOL_BYTES;

/**
 * Bytes from the system CSPRNG, fetched 8 KiB at a time: one call per join for ids and tokens
 * cost a tenth of the join route's CPU. Each byte is handed out once.
 */
function randomChunk(n: number): Buffer {
  if (poolAt + n > POOL_BYTES) {
    randomFillSync(pool);
    poolAt = 0;
  }
  const out = Buffer.from(pool.subarray(poolAt, poolAt + n));
  pool.fill(0, poolAt, poolAt + n);
  poolAt += n;
  return out;
}

/** URL-safe digits in ASCII order, so that byte-wise comparison (SQLite, PostgreSQL's C collation) follows time. */
const SORTED_DIGITS = '-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz';
const TIME_DIGITS = 8;

/** Milliseconds since the epoch as 8 sortable digits (48 bits: good until the year 10889). */
function timePrefix(ms: number): string {
  let out = '';
  let rest = ms;
  for (let i = 0; i < TIME_DIGITS; i++) {
    out = SORTED_DIGITS[rest % 64] + out;
    rest = Math.floor(rest / 64);
  }
  return out;
}

/**
 * Ids are opaque to clients: a prefix for humans reading logs, the creation time, then 96 random
 * bits. The time comes first so that new rows land at the end of the primary-key index: with
 * random ids every ticket of a join batch dirtied a different index page, and each of those pages
 * is one more write at commit (measured: a batch of 27 joins cost twice as much).
 */
export const newId = (prefix: string, now: number = Date.now()): string =>
  `${prefix}_${timePrefix(now)}${randomChunk(12).toString('base64url')}`;

/** A ticket token: 128 random bits, returned once at join and stored only as a hash. */
export const newTicketToken = (): string => randomChunk(16).toString('base64url');

/** An API key: 256 random bits with a prefix that secret scanners recognise. */
export const newApiKey = (): string => `qk_${randomBytes(32).toString('base64url')}`;

export const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

/** Compares two hex digests in constant time. */
export function sameDigest(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}

/**
 * Seals a value with AES-256-GCM: a ticket token kept so that an idempotent retry can return it
 * again (as long as its idempotency key, 24 h), and every other secret the database keeps.
 */
export function sealToken(token: string, key: Buffer): string {
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([c.update(token, 'utf8'), c.final()]);
  return Buffer.concat([iv, c.getAuthTag(), body]).toString('base64url');
}

/** Seals and opens stored secrets under the database's seal key (see docs/backups.md). */
export interface SecretBox {
  seal(plain: string): string;
  /** Null when the value was sealed under another key, or altered. */
  open(sealed: string): string | null;
}

export const secretBox = (key: Buffer): SecretBox => ({
  seal: (plain) => sealToken(plain, key),
  open: (sealed) => unsealToken(sealed, key),
});

export function unsealToken(sealed: string, key: Buffer): string | null {
  try {
    const buf = Buffer.from(sealed, 'base64url');
    const d = createDecipheriv('aes-256-gcm', key, buf.subarray(0, 12));
    d.setAuthTag(buf.subarray(12, 28));
    return Buffer.concat([d.update(buf.subarray(28)), d.final()]).toString('utf8');
  } catch {
    return null;
  }
}

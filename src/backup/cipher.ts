import {
  createCipheriv,
  createDecipheriv,
  createHash,
  randomBytes,
  type CipherGCM,
  type DecipherGCM,
} from 'node:crypto';

const CIPHER = 'aes-256-gcm';
const IV_BYTES = 12;

/**
 * A fingerprint of the encryption key, stored in the manifest: verify can say "encrypted with
 * another key" instead of failing on a tag mismatch, and the key itself never leaves the config.
 */
export function keyId(key: Buffer): string {
  return createHash('sha256').update('queuekeeper-backup-key\0').update(key).digest('hex').slice(0, 16);
}

/** An encrypting stream; `params()` gives the iv and the tag once the stream has ended. */
export function encryptor(key: Buffer): { stream: CipherGCM; params(): { iv: string; tag: string } } {
  const iv = randomBytes(IV_BYTES);
  const stream = createCipheriv(CIPHER, key, iv);
  return { stream, params: () => ({ iv: iv.toString('hex'), tag: stream.getAuthTag().toString('hex') }) };
}

/** A decrypting stream; it errors at its end when the content or the tag was altered. */
export function decryptor(key: Buffer, iv: string, tag: string): DecipherGCM {
  const d = createDecipheriv(CIPHER, key, Buffer.from(iv, 'hex'));
  d.setAuthTag(Buffer.from(tag, 'hex'));
  return d;
}

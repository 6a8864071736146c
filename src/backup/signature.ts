import { createHash, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from '../config/index.js';
import { ensurePrivateDir } from '../store/private-dir.js';

/**
 * Manifests are signed with HMAC-SHA256, so that a backup whose files were changed and whose
 * hashes were recomputed does not verify. The key never enters a backup: it is derived from the
 * master key when one is configured (any installation with the same QK_MASTER_KEY verifies the
 * backup), else it is a random key in the data dir, beside the backups but outside them.
 * docs/backups.md says what a backup made under another key needs.
 */
export const SIGNING_KEY_FILE = 'backup-signing.key';

export interface Signer {
  readonly key: Buffer;
  readonly keyId: string;
  /** Where the key comes from, for messages. */
  readonly source: string;
}

export interface ManifestSignature {
  readonly algorithm: 'hmac-sha256';
  readonly keyId: string;
  readonly value: string;
}

const idOf = (key: Buffer): string =>
  createHash('sha256').update('queuekeeper-signing-key\0').update(key).digest('hex').slice(0, 16);

async function keyFile(dataDir: string): Promise<Buffer> {
  const path = join(dataDir, SIGNING_KEY_FILE);
  const read = async (): Promise<Buffer> => Buffer.from((await readFile(path, 'utf8')).trim(), 'hex');
  try {
    return await read();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  await ensurePrivateDir(dataDir);
  try {
    await writeFile(path, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (e) {
    // Another process created it first: its key is the one.
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  return read();
}

/** This installation's manifest signing key. */
export async function signerFor(config: Config): Promise<Signer> {
  if (config.masterKey !== null) {
    const key = Buffer.from(hkdfSync('sha256', config.masterKey, 'queuekeeper', 'backup manifest signature', 32));
    return { key, keyId: idOf(key), source: 'QK_MASTER_KEY' };
  }
  const key = await keyFile(config.dataDir);
  return { key, keyId: idOf(key), source: join(config.dataDir, SIGNING_KEY_FILE) };
}

/** JSON with object keys sorted at every level: the same manifest always gives the same bytes. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object')
    return `{${Object.keys(value)
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(value);
}

const mac = (key: Buffer, body: unknown): Buffer => createHmac('sha256', key).update(canonical(body)).digest();

/** Signs everything in the manifest except its `signature` field. */
export function signManifest<T extends object>(manifest: T, signer: Signer): T & { signature: ManifestSignature } {
  const { signature: _, ...body } = manifest as T & { signature?: unknown };
  return {
    ...(body as T),
    signature: { algorithm: 'hmac-sha256', keyId: signer.keyId, value: mac(signer.key, body).toString('hex') },
  };
}

export type SignatureCheck = { ok: true } | { ok: false; why: string };

export function checkManifestSignature(manifest: object, signer: Signer): SignatureCheck {
  const { signature, ...body } = manifest as { signature?: ManifestSignature };
  if (signature === undefined)
    return {
      ok: false,
      why: 'manifest.json is not signed (made by a version without signatures, or the signature was removed)',
    };
  if (signature.keyId !== signer.keyId)
    return {
      ok: false,
      why: `manifest.json is signed with key ${signature.keyId}; this installation signs with key ${signer.keyId} (from ${signer.source}): verify it with the master key or signing key it was made under (docs/backups.md)`,
    };
  const want = mac(signer.key, body);
  const have = Buffer.from(signature.value, 'hex');
  if (have.length !== want.length || !timingSafeEqual(have, want))
    return { ok: false, why: 'manifest.json does not match its signature: it was altered after the backup was made' };
  return { ok: true };
}

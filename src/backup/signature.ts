import { createHash, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from '../config/index.js';
import { ensurePrivateDir } from '../store/private-dir.js';

/**
 * Manifests (and verification records) are signed with HMAC-SHA256, so that a backup whose files were changed and whose
 * hashes were recomputed does not verify. The key never enters a backup: it is derived from the
 * master key when one is configured (any installation with the same QK_MASTER_KEY verifies the
 * backup), else it is a random key in the data dir, beside the backups but outside them.
 * docs/backups.md says what a backup made under another key needs.
 */
const SIGNING_KEY_FILE = 'backup-signing.key';

export interface Signer {
  readonly key: Buffer;
  readonly keyId: string;
  /** Where the key comes from, for messages. */
  readonly source: string;
}

export interface DocumentSignature {
  readonly algorithm: 'hmac-sha256';
  readonly keyId: string;
  readonly value: string;
}

const idOf = (key: Buffer): string =>
  createHash('sha256').update('queuekeeper-signing-key\0').update(key).digest('hex').slice(0, 16);

const keyPath = (dataDir: string): string => join(dataDir, SIGNING_KEY_FILE);
const readKey = async (path: string): Promise<Buffer> => Buffer.from((await readFile(path, 'utf8')).trim(), 'hex');

async function keyFile(dataDir: string): Promise<Buffer> {
  const path = keyPath(dataDir);
  try {
    return await readKey(path);
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
  return readKey(path);
}

const fromMaster = (masterKey: string): Signer => {
  const key = Buffer.from(hkdfSync('sha256', masterKey, 'queuekeeper', 'backup manifest signature', 32));
  return { key, keyId: idOf(key), source: 'QK_MASTER_KEY' };
};

/** The key this installation signs with: from the master key when set, else the data dir's key file. */
export async function signerFor(config: Config): Promise<Signer> {
  if (config.masterKey !== null) return fromMaster(config.masterKey);
  const key = await keyFile(config.dataDir);
  return { key, keyId: idOf(key), source: keyPath(config.dataDir) };
}

/**
 * The keys this installation accepts: the one it signs with, and the data dir's key file when it
 * exists, so that backups made before QK_MASTER_KEY was set still verify.
 */
export async function verifiersFor(config: Config): Promise<Signer[]> {
  const signers = [await signerFor(config)];
  if (config.masterKey !== null) {
    const key = await readKey(keyPath(config.dataDir)).catch(() => null);
    if (key !== null && key.length === 32) signers.push({ key, keyId: idOf(key), source: keyPath(config.dataDir) });
  }
  return signers;
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

/** Signs everything in a document except its `signature` field. */
export function signDocument<T extends object>(doc: T, signer: Signer): T & { signature: DocumentSignature } {
  const { signature: _, ...body } = doc as T & { signature?: unknown };
  return {
    ...(body as T),
    signature: { algorithm: 'hmac-sha256', keyId: signer.keyId, value: mac(signer.key, body).toString('hex') },
  };
}

export type SignatureCheck = { ok: true; keyId: string } | { ok: false; why: string };

/** Checks a document signed by `signDocument`; `name` is the file, for the reason. */
export function checkSignature(doc: object, signers: readonly Signer[], name: string): SignatureCheck {
  const { signature, ...body } = doc as { signature?: DocumentSignature };
  if (signature === undefined)
    return {
      ok: false,
      why: `${name} is not signed (made by a version without signatures, or the signature was removed)`,
    };
  const signer = signers.find((s) => s.keyId === signature.keyId);
  if (signer === undefined)
    return {
      ok: false,
      why: `${name} is signed with key ${signature.keyId}; this installation signs with key ${signers[0]?.keyId} (from ${signers[0]?.source}): verify it with the master key or signing key it was made under (docs/backups.md)`,
    };
  const want = mac(signer.key, body);
  const have = Buffer.from(signature.value, 'hex');
  if (have.length !== want.length || !timingSafeEqual(have, want))
    return { ok: false, why: `${name} does not match its signature: it was altered after it was written` };
  return { ok: true, keyId: signer.keyId };
}

import { hkdfSync } from 'node:crypto';
import { sealToken as seal, unsealToken as open } from '../domain/tokens.js';
import { BackupError } from '../errors/index.js';
import type { Store } from '../store/contract.js';
import { SECRET_META_KEYS } from '../store/dump-contract.js';
import type { Manifest } from './manifest.js';
import type { Signer } from './signature.js';

/**
 * The database's secret meta entries (the seal key) never enter a dump in clear, but a restore
 * needs them: without the seal key a restored database cannot open what it sealed (a random
 * room's draw seed, pass signing keys, webhook signing secrets). So the manifest carries them
 * sealed (AES-256-GCM) under a key derived from the backup signing key, which comes from
 * QK_MASTER_KEY or the data dir and is never in a backup. Whoever can verify the backup's
 * signature can restore its secrets; whoever holds only the backup cannot read them.
 */
const wrapKey = (signer: Signer): Buffer =>
  Buffer.from(hkdfSync('sha256', signer.key, 'queuekeeper', 'backup secret meta wrap', 32));

/** The secret meta entries of the database being backed up, each sealed for the manifest. */
export async function sealedSecrets(store: Store, signer: Signer): Promise<Record<string, string>> {
  const key = wrapKey(signer);
  const out: Record<string, string> = {};
  for (const name of SECRET_META_KEYS) {
    const value = await store.getMeta(name);
    if (value !== null) out[name] = seal(value, key);
  }
  return out;
}

/**
 * Opens the manifest's sealed secrets with the key that signed it and writes them into the
 * restored database; returns the names written. A backup made before they were carried has none,
 * and the restored database then makes a new seal key at its first start.
 */
export async function restoreSecrets(m: Manifest, signers: readonly Signer[], target: Store): Promise<string[]> {
  const sealed = m.database.secrets ?? {};
  const signer = signers.find((s) => s.keyId === m.signature?.keyId);
  if (signer === undefined || Object.keys(sealed).length === 0) return [];
  const key = wrapKey(signer);
  const written: string[] = [];
  for (const [name, value] of Object.entries(sealed)) {
    if (!SECRET_META_KEYS.includes(name)) continue;
    const plain = open(value, key);
    // The manifest's signature held under this key, so a value that does not open is a bug or
    // a forgery that also broke HMAC-SHA256: either way nothing more is written.
    if (plain === null)
      throw new BackupError('restore_failed', `the backup's sealed ${name} cannot be opened with its signing key`);
    await target.initMeta(name, plain);
    written.push(name);
  }
  return written;
}

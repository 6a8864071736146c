import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { chmod, rename, rm, writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { pipeline as pipe, Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { decryptor, encryptor } from './cipher.js';

/** One file of a backup as the manifest records it: what is on disk, plus the GCM parameters. */
export interface StoredFile {
  readonly name: string;
  readonly size: number;
  readonly sha256: string;
  readonly iv?: string;
  readonly tag?: string;
}

const CHUNK = 1 << 20;

function measuring(): { stream: Transform; result(): { size: number; sha256: string } } {
  const hash = createHash('sha256');
  let size = 0;
  const stream = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      size += chunk.length;
      done(null, chunk);
    },
  });
  return { stream, result: () => ({ size, sha256: hash.digest('hex') }) };
}

/**
 * Stores content at `path` (0600), encrypting it when a key is given. Size and sha256 are of the
 * bytes on disk, so `verify` can check them without the key. A plain file handed over by path is
 * moved rather than copied when there is nothing to encrypt.
 */
export async function storeFile(
  source: Readable | { path: string },
  path: string,
  key: Buffer | null,
  signal?: AbortSignal,
): Promise<StoredFile> {
  const name = basename(path);
  if (!(source instanceof Readable) && key === null) {
    await rename(source.path, path);
    await chmod(path, 0o600);
    return { name, ...(await hashFile(path, signal)) };
  }
  const input = source instanceof Readable ? source : createReadStream(source.path, { highWaterMark: CHUNK });
  const m = measuring();
  const out = createWriteStream(path, { mode: 0o600, flags: 'wx' });
  const opts = signal ? { signal } : {};
  if (key === null) {
    await pipeline(input, m.stream, out, opts);
    return { name, ...m.result() };
  }
  const enc = encryptor(key);
  await pipeline(input, enc.stream, m.stream, out, opts);
  return { name, ...m.result(), ...enc.params() };
}

export async function hashFile(path: string, signal?: AbortSignal): Promise<{ size: number; sha256: string }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(path, {
    highWaterMark: CHUNK,
    ...(signal ? { signal } : {}),
  }) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { size, sha256: hash.digest('hex') };
}

/**
 * The plain content of a stored file. Encrypted content is decrypted on the fly; an altered file
 * or a wrong key makes the stream error at its end (the GCM tag), so consumers must treat what
 * they wrote as unusable until the stream finished cleanly.
 */
export function plainSource(path: string, entry: Pick<StoredFile, 'iv' | 'tag'>, key: Buffer | null): Readable {
  const raw = createReadStream(path, { highWaterMark: CHUNK });
  if (entry.iv === undefined || entry.tag === undefined) return raw;
  if (key === null) throw new Error('the file is encrypted and no key was given');
  return pipe(raw, decryptor(key, entry.iv, entry.tag), () => undefined);
}

/** Reads a small plain file (a snapshot) into a string, refusing more than `maxBytes`. */
export async function readPlainText(
  path: string,
  entry: Pick<StoredFile, 'iv' | 'tag'>,
  key: Buffer | null,
  maxBytes: number,
): Promise<string> {
  const parts: Buffer[] = [];
  let total = 0;
  for await (const chunk of plainSource(path, entry, key) as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > maxBytes) throw new Error(`larger than ${maxBytes} bytes`);
    parts.push(chunk);
  }
  return Buffer.concat(parts).toString('utf8');
}

/** Writes a small file (0600) through a temporary name, so readers never see half of it. */
export async function writePrivateFile(path: string, data: string): Promise<void> {
  const tmp = `${path}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(tmp, data, { mode: 0o600, flag: 'wx' });
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

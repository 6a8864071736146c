import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ensurePrivateDir } from '../private-dir.js';

/**
 * A connection string for a client tool. The password moves into a private passfile named by
 * the string: an argument would show in any process list, and the tools' environment would have
 * to be rebuilt from ours.
 */
export async function toolConnection(url: string, work: string): Promise<{ dbname: string; cleanup(): Promise<void> }> {
  const u = new URL(url);
  if (u.password === '') return { dbname: url, cleanup: async () => undefined };
  const password = decodeURIComponent(u.password);
  await ensurePrivateDir(work);
  const passfile = join(work, `.pgpass-${randomBytes(6).toString('hex')}`);
  const escape = (s: string) => s.replace(/[\\:]/g, (c) => `\\${c}`);
  await writeFile(passfile, `*:*:*:*:${escape(password)}\n`, { mode: 0o600 });
  u.password = '';
  u.searchParams.set('passfile', passfile);
  return { dbname: u.toString(), cleanup: () => rm(passfile, { force: true }) };
}

/**
 * Runs a PostgreSQL client tool, feeding `stdin` and handing its stdout to `consume`. Rejects
 * with the tail of its stderr when it exits non-zero, and with a feeding or consuming error
 * otherwise (a decryption that fails its tag at the very end, for one).
 */
export async function runTool(
  bin: string,
  args: readonly string[],
  opts: { stdin?: Readable; consume?: (out: Readable) => Promise<unknown>; signal?: AbortSignal } = {},
): Promise<void> {
  const child = spawn(bin, args, {
    stdio: [opts.stdin ? 'pipe' : 'ignore', opts.consume ? 'pipe' : 'ignore', 'pipe'],
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString('utf8')).slice(-4000);
  });
  const exited = new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
  const feeding =
    opts.stdin && child.stdin
      ? pipeline(opts.stdin, child.stdin).then(
          () => null,
          (e: unknown) => e,
        )
      : Promise.resolve(null);
  const consuming =
    opts.consume && child.stdout
      ? opts.consume(child.stdout).then(
          () => null,
          (e: unknown) => e,
        )
      : Promise.resolve(null);
  const [code, fed, consumed] = await Promise.all([exited, feeding, consuming]);
  if (code !== 0) {
    const tail = stderr.trim().split('\n').slice(-3).join(' | ');
    throw new Error(`${basename(bin)} exited with code ${code}${tail ? `: ${tail}` : ''}`);
  }
  if (fed) throw fed;
  if (consumed) throw consumed;
}

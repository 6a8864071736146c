import { chmod, mkdir } from 'node:fs/promises';

/** Dumps and backups hold every ticket's contact data: folders are 0700 even when they already existed. */
export async function ensurePrivateDir(path: string): Promise<void> {
  await mkdir(path, { recursive: true, mode: 0o700 });
  await chmod(path, 0o700);
}

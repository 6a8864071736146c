import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startProcess } from './load.js';

/** The admin key every bench server starts with. */
export const BENCH_KEY = 'bench-master-key-0123456789abcdef0123456789';

/**
 * A scratch data folder and the env a bench server starts with: the bench's key, no join rate
 * limit, no scheduler and quiet logs unless `over` says otherwise. The caller removes `dir`.
 */
export function benchEnv(name: string, over: Record<string, string>): { dir: string; env: Record<string, string> } {
  const dir = mkdtempSync(join(tmpdir(), `qk-bench-${name}-`));
  const env = {
    QK_DATA_DIR: dir,
    QK_MASTER_KEY: BENCH_KEY,
    QK_SCHEDULER: 'off',
    QK_JOIN_RATE_LIMIT: '0',
    LOG_LEVEL: 'warn',
    ...over,
  };
  return { dir, env };
}

/**
 * The production build (`bin/queuekeeper.js serve`) on a free port, once it listens.
 * BENCH_PROFILE_DIR=<dir> writes the server's CPU profile there when it stops.
 */
export async function startServer(env: Record<string, string>) {
  const port = await freePort();
  const dir = process.env.BENCH_PROFILE_DIR;
  const server = await startProcess(
    [...(dir ? ['--cpu-prof', '--cpu-prof-dir', dir] : []), 'bin/queuekeeper.js', 'serve'],
    { ...env, PORT: String(port) },
    /listening on/,
  );
  return { server, base: `http://127.0.0.1:${port}` };
}

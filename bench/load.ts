import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';

export interface LoadResult {
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly errors: number;
  readonly non2xx: number;
  readonly requests: number;
}

const root = join(import.meta.dirname, '..');

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface LoadOptions {
  /** How long to run; with `amount`, only the limit after which the run is killed. */
  readonly seconds: number;
  /** Send exactly this many requests instead of running for `seconds`. */
  readonly amount?: number;
  readonly connections?: number;
  readonly method?: string;
  readonly body?: string;
  readonly headers?: Record<string, string>;
}

/** autocannon in its own process on loopback, bounded in time (and killed if it overstays). */
export async function load(url: string, opts: LoadOptions): Promise<LoadResult> {
  const args = [
    join(root, 'node_modules/autocannon/autocannon.js'),
    '-j',
    ...(opts.amount === undefined ? ['-d', String(opts.seconds)] : ['-a', String(opts.amount)]),
    '-c',
    String(opts.connections ?? 32),
    '-p',
    '1',
  ];
  if (opts.method) args.push('-m', opts.method);
  if (opts.body) args.push('-b', opts.body);
  for (const [k, v] of Object.entries(opts.headers ?? {})) args.push('-H', `${k}=${v}`);
  args.push(url);
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'ignore'] });
  const killer = setTimeout(() => child.kill('SIGKILL'), (opts.seconds + 20) * 1000);
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  await new Promise((r) => child.on('exit', r));
  clearTimeout(killer);
  const j = JSON.parse(out) as {
    requests: { average: number; total: number };
    latency: { p50: number; p99: number };
    errors: number;
    non2xx: number;
  };
  return {
    rps: Math.round(j.requests.average),
    p50: j.latency.p50,
    p99: j.latency.p99,
    errors: j.errors,
    non2xx: j.non2xx,
    requests: j.requests.total,
  };
}

/** Starts a process and resolves once its stdout contains `ready` (or the URL line). */
export async function startProcess(
  args: string[],
  env: Record<string, string>,
  readyText: RegExp,
): Promise<{ child: ChildProcess; stdout: () => string }> {
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const started = Date.now();
  while (!readyText.test(out)) {
    if (child.exitCode !== null || Date.now() - started > 60_000)
      throw new Error(`process did not start: ${out.slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, stdout: () => out };
}

export async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  child.kill('SIGTERM');
  await Promise.race([new Promise((r) => child.on('exit', r)), new Promise((r) => setTimeout(r, 10_000))]);
  if (child.exitCode === null) child.kill('SIGKILL');
}

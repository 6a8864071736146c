import { spawn } from 'node:child_process';

export interface NpmResult {
  /** Exit code; null when npm did not exit by itself (not found, killed on timeout). */
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface NpmOptions {
  readonly cwd: string;
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
}

/** Runs one npm command. Injected through `ctx.services.runNpm` so tests can replay real replies. */
export type RunNpm = (args: readonly string[], opts: NpmOptions) => Promise<NpmResult>;

/** `npm audit --json` of a large tree is a few MB; past this the output is cut and the run killed. */
const MAX_OUTPUT = 32 * 1024 * 1024;

/**
 * The real runner. Never rejects: a missing npm, a timeout or an abort comes back as `code: null`
 * with the reason in `stderr`, so every caller has one shape to turn into "unavailable".
 */
export const defaultRunNpm: RunNpm = (args, opts) =>
  new Promise((resolve) => {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let size = 0;
    let note = '';
    const child = spawn('npm', [...args], {
      cwd: opts.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: opts.timeoutMs,
      signal: opts.signal,
    });
    const keep = (list: Buffer[]) => (b: Buffer) => {
      size += b.length;
      if (size <= MAX_OUTPUT) list.push(b);
      else if (!note) {
        note = `output exceeded ${MAX_OUTPUT} bytes`;
        child.kill('SIGKILL');
      }
    };
    child.stdout.on('data', keep(out));
    child.stderr.on('data', keep(err));
    child.on('error', (e: NodeJS.ErrnoException) => {
      note ||=
        e.code === 'ENOENT'
          ? 'npm not found on PATH'
          : e.name === 'AbortError'
            ? 'stopped: the step was aborted'
            : e.message;
    });
    child.on('close', (code, signal) => {
      if (signal && !note) note = `killed by ${signal} after the ${opts.timeoutMs} ms limit`;
      const stderr = Buffer.concat(err).toString('utf8');
      resolve({
        code: note ? null : code,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: note ? `${note}\n${stderr}` : stderr,
      });
    });
  });

/**
 * One npm call per run: the monthly plan asks `npm outdated` for two steps and the quarterly
 * plan `npm audit` for two, and each call costs seconds of registry traffic. Keyed by the runner
 * too, so a test's fake never answers for the real npm. Entries live a few minutes at most.
 */
const memo = new WeakMap<RunNpm, Map<string, { at: number; result: Promise<NpmResult> }>>();
const MEMO_MS = 10 * 60_000;

export function runOncePerRun(
  runNpm: RunNpm,
  runId: string,
  args: readonly string[],
  opts: NpmOptions,
): Promise<NpmResult> {
  let byKey = memo.get(runNpm);
  if (!byKey) memo.set(runNpm, (byKey = new Map()));
  const now = Date.now();
  for (const [k, v] of byKey) if (now - v.at > MEMO_MS) byKey.delete(k);
  const key = `${runId}\n${opts.cwd}\n${args.join(' ')}`;
  const hit = byKey.get(key);
  if (hit) return hit.result;
  // The first caller's signal bounds the shared call; a result cut short is not kept for the next.
  const result = runNpm(args, opts);
  byKey.set(key, { at: now, result });
  void result.then((r) => r.code === null && byKey.delete(key));
  return result;
}

/** A short, single-line reason from a failed npm call, for `skipped` reasons and findings. */
export function npmFailure(what: string, r: NpmResult): string {
  const line = r.stderr
    .split('\n')
    .map((l) => l.replace(/^npm (error|ERR!|warn)\s*/i, '').trim())
    .find((l) => l !== '' && !/complete log of this run/i.test(l));
  const exit = r.code === null ? 'did not finish' : `exited ${r.code}`;
  return `${what} ${exit}${line ? `: ${line.slice(0, 300)}` : ''}`;
}

/** JSON from npm's stdout, or undefined when it printed none (an old npm, a crash). */
export function parseJson(stdout: string): unknown {
  try {
    return JSON.parse(stdout);
  } catch {
    return undefined;
  }
}

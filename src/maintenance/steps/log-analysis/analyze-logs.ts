import { basename } from 'node:path';
import { LogAccumulator, type LineFigures, type LogThresholds } from './analyzer.js';
import { listLogFiles, readLogLines } from './reader.js';

export interface AnalyzeLogsOptions {
  readonly dir: string;
  readonly from: Date;
  readonly to: Date;
  readonly thresholds: LogThresholds;
  readonly signal?: AbortSignal;
}

interface UnreadableFile {
  readonly file: string;
  readonly error: string;
}

export interface LogFigures extends LineFigures {
  /** `*.log` and `*.log.gz` files present; `filesRead` of them were read to their end. */
  readonly filesFound: number;
  readonly filesRead: number;
  /** Files skipped whole (corrupt gzip, no permission); none of their lines count. */
  readonly unreadableFiles: UnreadableFile[];
  readonly window: { readonly from: string; readonly to: string };
}

/** The log folder itself could not be listed: there is nothing to measure. */
export class LogDirUnavailableError extends Error {
  constructor(
    readonly dir: string,
    readonly code: string,
    cause: unknown,
  ) {
    super(`log folder ${dir} cannot be read (${code})`, { cause });
    this.name = 'LogDirUnavailableError';
  }
}

/**
 * Streams every log file in `dir` and measures the lines whose `time` lies in [from, to).
 * Rejects with `LogDirUnavailableError` when the folder cannot be listed, and with the signal's
 * reason when aborted; a bad file is recorded in `unreadableFiles` and never stops the others.
 */
export async function analyzeLogs(opts: AnalyzeLogsOptions): Promise<LogFigures> {
  const { dir, from, to, signal } = opts;
  let files: string[];
  try {
    files = await listLogFiles(dir);
  } catch (err) {
    throw new LogDirUnavailableError(dir, (err as NodeJS.ErrnoException).code ?? 'unknown', err);
  }

  const total = new LogAccumulator(from.getTime(), to.getTime());
  const unreadableFiles: UnreadableFile[] = [];
  let filesRead = 0;
  for (const file of files) {
    signal?.throwIfAborted();
    const one = new LogAccumulator(from.getTime(), to.getTime());
    try {
      for await (const line of readLogLines(file)) {
        signal?.throwIfAborted();
        one.add(line);
      }
    } catch (err) {
      if (signal?.aborted) throw err;
      unreadableFiles.push({ file: basename(file), error: describe(err) });
      continue;
    }
    total.merge(one);
    filesRead++;
  }

  return {
    ...total.figures(opts.thresholds),
    filesFound: files.length,
    filesRead,
    unreadableFiles,
    window: { from: from.toISOString(), to: to.toISOString() },
  };
}

function describe(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  return e.code ? `${e.code}: ${e.message}` : String(e?.message ?? err);
}

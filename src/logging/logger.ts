import { chmodSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pino, type Logger } from 'pino';

export type { Logger };

/** Paths pino replaces with "[redacted]" wherever they appear in a log line. */
const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers["x-ticket-token"]',
  'req.query.token',
  'headers.authorization',
  'token',
  'key',
  'masterKey',
  'secret',
  '*.token',
  '*.key',
  '*.secret',
  '*.password',
];

export interface LoggerOptions {
  readonly level: string;
  /** When set, lines also go to `<logDir>/queuekeeper.log`, rotated daily and by size. */
  readonly logDir?: string;
  /** Also write to stdout (the server does; the CLI's own runs do not). */
  readonly stdout?: boolean;
  /** A file is rotated past this size (pino-roll's notation); default `50m`. */
  readonly rotateSize?: string;
  /** Log files kept by count; the oldest go at each rotation. Default {@link MAX_LOG_FILES}. */
  readonly maxFiles?: number;
}

/**
 * Files kept by count: with 50 MB files, at most 1.5 GB of logs however fast lines come (a flood of
 * denied requests). The age limit is the weekly `systemCleanup` (docs/maintenance.md).
 */
const MAX_LOG_FILES = 30;
/** Logs hold client addresses and error details: only the owner may read them. */
export const LOG_FILE_MODE = 0o600;
const LOG_FILE = /\.log(\.gz)?$/;

/**
 * pino JSON lines to stdout and to the log folder that `logAnalysis` reads. Rotation is done by
 * pino-roll in a worker thread, so the request path never waits on the disk.
 */
export function createLogger(opts: LoggerOptions): Logger {
  const targets: { target: string; level: string; options: Record<string, unknown> }[] = [];
  if (opts.stdout !== false) targets.push({ target: 'pino/file', level: opts.level, options: { destination: 1 } });
  if (opts.logDir) {
    mkdirSync(opts.logDir, { recursive: true, mode: 0o700 });
    restrictExisting(opts.logDir);
    targets.push({ target: 'pino-roll', level: opts.level, options: rollOptions(opts.logDir, opts) });
  }
  if (targets.length === 0 || opts.level === 'silent') return pino({ level: 'silent' });
  return pino({ level: opts.level, redact: { paths: REDACT_PATHS, censor: '[redacted]' }, transport: { targets } });
}

/** pino-roll's options for the log folder; exported so tests can drive a rotation in-process. */
export function rollOptions(logDir: string, opts: Pick<LoggerOptions, 'rotateSize' | 'maxFiles'>) {
  return {
    file: `${logDir}/queuekeeper`,
    extension: '.log',
    frequency: 'daily',
    size: opts.rotateSize ?? '50m',
    mkdir: true,
    dateFormat: 'yyyy-MM-dd',
    // Passed to sonic-boom, which opens every file, rotated ones too, with this mode (not 0644).
    mode: LOG_FILE_MODE,
    // pino-roll keeps `count` files besides the one it has just opened.
    limit: { count: Math.max(1, (opts.maxFiles ?? MAX_LOG_FILES) - 1), removeOtherLogFiles: true },
  };
}

/** Files written by an older build, or copied in, get the same mode as new ones. */
function restrictExisting(dir: string): void {
  try {
    chmodSync(dir, 0o700);
    for (const e of readdirSync(dir, { withFileTypes: true }))
      if (e.isFile() && LOG_FILE.test(e.name)) chmodSync(join(dir, e.name), LOG_FILE_MODE);
  } catch {
    // Not ours to change (another owner): the quarterly securityHardening step reports the modes.
  }
}

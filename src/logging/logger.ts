import { mkdirSync } from 'node:fs';
import { pino, type Logger } from 'pino';

export type { Logger };

/** Paths pino replaces with "[redacted]" wherever they appear in a log line. */
export const REDACT_PATHS = [
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
}

/**
 * pino JSON lines to stdout and to the log folder that `logAnalysis` reads. Rotation is done by
 * pino-roll in a worker thread, so the request path never waits on the disk.
 */
export function createLogger(opts: LoggerOptions): Logger {
  const targets: { target: string; level: string; options: Record<string, unknown> }[] = [];
  if (opts.stdout !== false) targets.push({ target: 'pino/file', level: opts.level, options: { destination: 1 } });
  if (opts.logDir) {
    mkdirSync(opts.logDir, { recursive: true, mode: 0o700 });
    targets.push({
      target: 'pino-roll',
      level: opts.level,
      options: {
        file: `${opts.logDir}/queuekeeper`,
        extension: '.log',
        frequency: 'daily',
        size: '50m',
        mkdir: true,
        dateFormat: 'yyyy-MM-dd',
      },
    });
  }
  if (targets.length === 0 || opts.level === 'silent') return pino({ level: 'silent' });
  return pino({ level: opts.level, redact: { paths: REDACT_PATHS, censor: '[redacted]' }, transport: { targets } });
}

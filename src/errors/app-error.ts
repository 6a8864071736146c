import { ERROR_CODES, type ErrorCode } from './codes.js';

/** An error the product raises on purpose. Handlers throw by code; the HTTP layer maps it. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: Record<string, unknown> | undefined;
  /** Seconds a client should wait before retrying (sent as `Retry-After`). */
  readonly retryAfter: number | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    opts: { details?: Record<string, unknown>; retryAfter?: number; cause?: unknown } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = ERROR_CODES[code];
    this.details = opts.details;
    this.retryAfter = opts.retryAfter;
  }
}

export const isAppError = (e: unknown): e is AppError => e instanceof AppError;

export const notFound = (what: string): AppError => new AppError('not_found', `${what} not found`);

export const conflict = (message: string): AppError => new AppError('conflict', message);

/** Raised by backends when a dependency (database, Redis) cannot be reached. */
export const unavailable = (dependency: string, cause?: unknown): AppError =>
  new AppError('unavailable', `${dependency} is unavailable; retry shortly`, {
    retryAfter: 2,
    details: { dependency },
    cause,
  });

/** A request that used up its time budget (QK_REQUEST_BUDGET_MS) before it changed anything. */
export const budgetSpent = (cause?: unknown): AppError =>
  new AppError('unavailable', 'the request ran out of time waiting for the database or Redis; retry shortly', {
    retryAfter: 2,
    details: { dependency: 'request budget' },
    cause,
  });

/** Raised for configuration problems; the CLI prints it on one line and exits 2. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`${variable}: ${problem}`);
    this.name = 'ConfigError';
  }
}

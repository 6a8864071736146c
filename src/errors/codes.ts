/**
 * Every error code the product can return, with its HTTP status. Clients and tests match on the
 * code, never on the message text. docs/errors.md lists them too; test/errors/catalogue.test.ts
 * keeps the two in step.
 */
export const ERROR_CODES = {
  validation_failed: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  request_timeout: 408,
  conflict: 409,
  queue_full: 409,
  queue_closed: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  expectation_failed: 417,
  idempotency_key_reused: 422,
  rate_limited: 429,
  headers_too_large: 431,
  internal: 500,
  unavailable: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** Exit statuses of the CLI (docs/cli.md), the contract's three and no others. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

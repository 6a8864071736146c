import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { AppError, isAppError, type ErrorCode } from '../errors/index.js';

/** Fastify's own error codes, mapped to ours so clients see one error vocabulary. */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'validation_failed',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'validation_failed',
  FST_ERR_CTP_INVALID_JSON_BODY: 'validation_failed',
  FST_ERR_VALIDATION: 'validation_failed',
};

function toAppError(err: unknown): AppError {
  if (isAppError(err)) return err;
  if (hasZodFastifySchemaValidationErrors(err)) {
    const first = err.validation[0];
    // The body itself has the path "/": it is named "body", not "body.".
    const path = (first?.instancePath ?? '').split('/').filter((p: string) => p !== '');
    const where = [err.validationContext ?? 'request', ...path].join('.');
    return new AppError('validation_failed', `${where}: ${first?.message ?? 'invalid'}`);
  }
  const fe = err as FastifyError;
  if (fe && typeof fe.code === 'string' && FASTIFY_CODES[fe.code])
    return new AppError(FASTIFY_CODES[fe.code] as ErrorCode, fe.message);
  if (err instanceof SyntaxError) return new AppError('validation_failed', `body is not valid JSON: ${err.message}`);
  if (fe && typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500)
    return new AppError(
      fe.statusCode === 413
        ? 'payload_too_large'
        : fe.statusCode === 415
          ? 'unsupported_media_type'
          : 'validation_failed',
      fe.message,
    );
  return new AppError('internal', 'internal error', { cause: err });
}

export function errorHandler(err: unknown, req: FastifyRequest, reply: FastifyReply): void {
  const e = toAppError(err);
  if (e.code === 'internal') req.log.error({ reqId: req.id, err }, 'unhandled error');
  else if (e.code === 'unavailable')
    req.log.warn({ reqId: req.id, err: e.cause ?? e, dependency: e.details?.dependency }, e.message);
  if (e.retryAfter !== undefined) void reply.header('Retry-After', String(e.retryAfter));
  void reply
    .status(e.status)
    .send({ error: { code: e.code, message: e.message, ...(e.details ? { details: e.details } : {}) } });
}

export function notFoundHandler(req: FastifyRequest, reply: FastifyReply): void {
  void reply
    .status(404)
    .send({ error: { code: 'not_found', message: `no route ${req.method} ${req.url.split('?')[0]}` } });
}

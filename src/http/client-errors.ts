import { STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyBaseLogger } from 'fastify';
import type { ErrorCode } from '../errors/index.js';
import { ERROR_CODES } from '../errors/index.js';

/** Node's HTTP parser errors, in our vocabulary. Anything else the parser refuses is a bad request. */
const PARSER_ERRORS: Record<string, { code: ErrorCode; message: string }> = {
  ERR_HTTP_REQUEST_TIMEOUT: { code: 'request_timeout', message: 'the request was not received in time' },
  HPE_HEADER_OVERFLOW: { code: 'headers_too_large', message: 'the request headers are too large' },
};
const BAD_REQUEST = { code: 'validation_failed' as ErrorCode, message: 'the request is not valid HTTP/1.1' };

/**
 * Answers what Node's HTTP parser refuses before Fastify sees a request (duplicate Content-Length,
 * a bad version, oversized headers, a slow request) in the error shape every route uses, with the
 * security headers, then closes the connection as Node itself would.
 */
export function clientErrorHandler(headers: Readonly<Record<string, string>>, log: FastifyBaseLogger) {
  let extra = '';
  for (const [k, v] of Object.entries(headers)) extra += `${k}: ${v}\r\n`;
  return (err: NodeJS.ErrnoException, socket: Socket): void => {
    if (err.code === 'ECONNRESET' || socket.destroyed) return;
    const e = PARSER_ERRORS[err.code ?? ''] ?? BAD_REQUEST;
    const status = ERROR_CODES[e.code];
    log.debug({ event: 'client_error', parserCode: err.code, status }, 'refused by the HTTP parser');
    if (socket.writable) {
      const body = JSON.stringify({ error: { code: e.code, message: e.message } });
      socket.write(
        `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/json; charset=utf-8\r\n` +
          `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n${extra}\r\n${body}`,
      );
    }
    socket.destroy(err);
  };
}

/**
 * Node answers an `Expect` other than `100-continue` with a bare 417 before any route runs; this
 * gives that answer the error shape too.
 */
export function answerExpectations(server: Server, headers: Readonly<Record<string, string>>): void {
  const body = JSON.stringify({
    error: { code: 'expectation_failed', message: 'only "Expect: 100-continue" is understood' },
  });
  server.on('checkExpectation', (_req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(ERROR_CODES.expectation_failed, {
      ...headers,
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(body),
      connection: 'close',
    });
    res.end(body);
  });
}

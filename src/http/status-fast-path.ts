import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { AppError } from '../errors/index.js';
import type { CachedStatus } from './cached-status.js';
import type { Served } from './request-record.js';

type Listener = (req: IncomingMessage, res: ServerResponse) => void;

/** What the fast path needs from the app: the same answers, headers and records the route gives. */
export interface FastPathDeps {
  readonly cached: CachedStatus;
  /** The security headers every answer carries. */
  readonly headers: Readonly<Record<string, string>>;
  /** Whether this request's address is blocked for guessing tokens (the route answers it 429). */
  readonly blocked: (req: IncomingMessage) => boolean;
  /** True once the node is shutting down: the route then answers 503. */
  readonly closing: () => boolean;
  readonly nextId: () => string;
  readonly clientIp: (req: IncomingMessage) => string;
  readonly record: (s: Served) => void;
  /** A fault after the answer began: the connection is dropped and the fault reported here. */
  readonly onError: (e: unknown) => void;
}

const STATUS_ROUTE = '/api/tickets/:ticketId';
const STATUS_PATH = /^\/api\/tickets\/([A-Za-z0-9_-]{1,64})$/;
const JSON_UTF8 = 'application/json; charset=utf-8';

/**
 * Puts the status poll of a waiting ticket in front of the router: when the node's status cache
 * holds the ticket under exactly this token, the answer (the same bytes and headers the route
 * writes) goes out without Fastify's routing, hooks, validation and reply objects, which cost more
 * than the answer itself (docs/live-updates.md). Anything else, including every request the route
 * might answer differently (an address blocked for guessing, a node shutting down, a query string, an unusual id),
 * goes to Fastify untouched. The request is counted and logged as the route's would be.
 */
export function answerCachedStatusFirst(server: Server, deps: FastPathDeps): void {
  const routed = server.listeners('request') as Listener[];
  if (routed.length !== 1)
    throw new AppError('internal', `the HTTP server has ${routed.length} request listeners, expected 1`);
  const route = routed[0] as Listener;
  server.removeListener('request', route);
  // Node takes a flat list of names and values as they are, with no object to build per answer.
  const head = [...Object.entries(deps.headers).flat(), 'content-type', JSON_UTF8, 'content-length'];
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    let answered: boolean;
    try {
      answered = answer(req, res);
    } catch (e) {
      // Before the head went out the route can still answer, with its own error handling; after
      // it, the answer is broken and the client must not keep the connection.
      if (!res.headersSent) return route(req, res);
      deps.onError(e);
      res.destroy();
      return;
    }
    if (!answered) route(req, res);
  });

  function answer(req: IncomingMessage, res: ServerResponse): boolean {
    if (req.method !== 'GET') return false;
    const token = req.headers['x-ticket-token'];
    if (typeof token !== 'string' || deps.closing() || deps.blocked(req)) return false;
    const url = req.url ?? '';
    const m = STATUS_PATH.exec(url);
    if (!m) return false;
    const started = performance.now();
    const body = deps.cached.body(m[1] as string, token);
    if (body === null) return false;
    res.writeHead(200, [...head, String(Buffer.byteLength(body))]);
    res.end(body);
    deps.record({
      reqId: deps.nextId(),
      method: 'GET',
      route: STATUS_ROUTE,
      url,
      ip: () => deps.clientIp(req),
      status: 200,
      ms: performance.now() - started,
      userAgent: req.headers['user-agent'],
      contentType: JSON_UTF8,
      quiet: false,
    });
    return true;
  }
}

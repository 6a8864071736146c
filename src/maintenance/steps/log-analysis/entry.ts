import { isUserLatency } from '../../../metrics/window.js';

/** One pino line once parsed: a JSON object whose `time` (epoch ms) and `level` are numbers. */
export interface LogEntry {
  readonly time: number;
  readonly level: number;
  readonly [field: string]: unknown;
}

/** What a request-completion line says, each field only when the line really carries it. */
export interface RequestFacts {
  /** `${method} ${route pattern or URL path}`, the key response times are grouped by. */
  readonly route?: string;
  readonly responseTime?: number;
  readonly status?: number;
  readonly ip?: string;
  /** False for long-polls and event streams: their duration is not latency a user felt. */
  readonly userLatency: boolean;
}

/**
 * The entry, or null when the line is not one pino wrote (a half-written last line during
 * rotation, stray text): such lines are counted as malformed by the caller and never throw.
 */
export function parseLine(line: string): LogEntry | null {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return null;
  }
  const rec = record(value);
  if (!rec || !isNumber(rec.time) || !isNumber(rec.level)) return null;
  return rec as LogEntry;
}

/**
 * Reads the HTTP layer's completion line `{req: {method, url, remoteAddress}, res: {statusCode},
 * responseTime, route}`. The route pattern is preferred over the URL so `/api/tickets/:ticketId`
 * is one group rather than one per ticket; the query string is dropped for the same reason.
 */
export function readRequest(entry: LogEntry): RequestFacts {
  const req = record(entry.req);
  const res = record(entry.res);
  const method = text(req?.method) ?? text(entry.method);
  const path = text(entry.route) ?? text(req?.url)?.split('?')[0];
  const rt = entry.responseTime;
  const status = res?.statusCode ?? entry.statusCode;
  return {
    route: path === undefined ? undefined : method ? `${method} ${path}` : path,
    userLatency: path === undefined || isUserLatency(method ?? '', path),
    responseTime: isNumber(rt) && rt >= 0 ? rt : undefined,
    status: isNumber(status) ? status : undefined,
    // A top-level `ip` is the app's own resolved client address; Fastify's `req.remoteAddress`
    // is `request.ip` too, so either names the client when a trusted proxy sits in front.
    ip: text(entry.ip) ?? text(req?.remoteAddress),
  };
}

function record(v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}
function isNumber(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}
function text(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

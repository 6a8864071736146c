import type { AppContext } from '../runtime/context.js';
import { isUserLatency, PROBE_USER_AGENT } from '../metrics/window.js';

/** One answered request, as the metrics, the latency window and the request log see it. */
export interface Served {
  readonly reqId: string;
  readonly method: string;
  /** The route pattern (`/api/tickets/:ticketId`), which log analysis groups by. */
  readonly route: string;
  readonly url: string;
  readonly ip: () => string;
  readonly status: number;
  readonly ms: number;
  readonly userAgent: string | undefined;
  readonly contentType: unknown;
  /** Set when the request's own line would only repeat what a compact line already said. */
  readonly quiet: boolean;
}

/**
 * Request ids in Fastify's own form (`req-<base 36 counter>`), from one counter for the framework
 * and the status fast path, so that ids in the log never repeat between the two.
 */
export function requestIds(): () => string {
  let next = 0;
  return () => {
    next = (next + 1) & 0x7fffffff;
    return `req-${next.toString(36)}`;
  };
}

/** Metrics, the latency window and one log line per request. */
export function recordRequest(ctx: AppContext, s: Served): void {
  ctx.metrics.httpRequests.inc({ method: s.method, route: s.route, status: s.status });
  // Long-polls, event streams and the self-probe are not latency a user felt (docs/maintenance.md).
  if (isUserLatency(s.method, s.route, s.userAgent, s.contentType)) {
    ctx.metrics.httpDuration.observe({ method: s.method, route: s.route }, s.ms / 1000);
    ctx.window.record(`${s.method} ${s.route}`, s.ms, s.status >= 500);
  }
  // The maintenance self-probe sends thousands of requests; logging each would drown the logs.
  if (s.quiet || s.userAgent === PROBE_USER_AGENT) return;
  const level = s.status >= 500 ? 'error' : s.status >= 400 ? 'warn' : 'info';
  if (ctx.logger.isLevelEnabled(level))
    ctx.logger[level](
      {
        reqId: s.reqId,
        req: { method: s.method, url: s.url.split('?')[0], remoteAddress: s.ip() },
        res: { statusCode: s.status },
        responseTime: Math.round(s.ms * 100) / 100,
        route: s.route,
      },
      'request completed',
    );
}

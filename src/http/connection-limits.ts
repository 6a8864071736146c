import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyBaseLogger } from 'fastify';
import type { HttpConfig, TrustProxy } from '../config/types.js';

/** Headers must be complete within this long (or the request timeout, if shorter). */
const HEADERS_TIMEOUT_MS = 10_000;

/**
 * Node's own deadlines for receiving a request, as `http.createServer` options. Node checks them
 * on an interval (30 s by default), so a shorter one keeps a slow request from outliving its
 * deadline by much.
 */
export function serverDeadlines(cfg: HttpConfig) {
  return {
    requestTimeout: cfg.requestTimeoutMs,
    headersTimeout: Math.min(HEADERS_TIMEOUT_MS, cfg.requestTimeoutMs),
    connectionsCheckingInterval: Math.min(5_000, Math.max(50, Math.floor(cfg.requestTimeoutMs / 4))),
  };
}

/**
 * Caps open connections in all and per peer address, so that one address holding thousands of
 * slow connections cannot take every slot. Behind a trusted proxy every connection comes from the
 * proxy, so only the total applies there (the proxy limits its own clients).
 */
export function limitConnections(server: Server, cfg: HttpConfig, trust: TrustProxy, log: FastifyBaseLogger): void {
  server.maxConnections = cfg.maxConnections;
  if (cfg.maxConnectionsPerIp <= 0 || trust !== false) return;
  const open = new Map<string, number>();
  let refusedSinceLog = 0;
  let lastLog = 0;
  server.on('connection', (socket: Socket) => {
    const ip = socket.remoteAddress ?? '';
    const n = (open.get(ip) ?? 0) + 1;
    if (n > cfg.maxConnectionsPerIp) {
      socket.destroy();
      // One line a minute at most: the refused connections are the flood itself.
      refusedSinceLog++;
      const now = Date.now();
      if (now - lastLog >= 60_000) {
        log.warn({ event: 'connections_refused', ip, refused: refusedSinceLog, cap: cfg.maxConnectionsPerIp });
        refusedSinceLog = 0;
        lastLog = now;
      }
      return;
    }
    open.set(ip, n);
    socket.once('close', () => {
      const left = (open.get(ip) ?? 1) - 1;
      if (left > 0) open.set(ip, left);
      else open.delete(ip);
    });
  });
}

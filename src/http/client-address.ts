import type { IncomingMessage } from 'node:http';
import proxyAddr from '@fastify/proxy-addr';
import type { TrustProxy } from '../config/types.js';

/** Whether the hop-th address (0 = the connection's own peer) is a proxy we trust. */
export type TrustFn = (addr: string, hop: number) => boolean;

/**
 * QK_TRUST_PROXY as one function, given to Fastify (which then reads `req.ip` through it) and used
 * by the status fast path, so that both name the same client for the same request.
 */
export function trustFunction(t: TrustProxy): TrustFn | false {
  if (t === false) return false;
  if (typeof t === 'number') return (_addr, hop) => hop < t;
  return proxyAddr.compile([...t]);
}

/** The client's address as Fastify's `req.ip` gives it: the nearest untrusted hop. */
export function clientAddress(req: IncomingMessage, trust: TrustFn | false): string {
  if (trust === false) return req.socket.remoteAddress ?? '';
  const all = proxyAddr.all(req, trust);
  return all[all.length - 1] ?? '';
}

import { connect } from 'node:net';
import { errorText } from '../shared/measure.js';

export { errorText };

export type HealthStatus = 'Healthy' | 'Unhealthy' | 'NotConfigured';

export interface Health {
  readonly status: HealthStatus;
  readonly latencyMs: number | null;
  readonly error: string | null;
}

/** Where a dependency is reached: an HTTP(S) URL is fetched, anything else is a TCP connect. */
export type Target =
  | { readonly kind: 'http'; readonly url: string; readonly label: string }
  | { readonly kind: 'tcp'; readonly host: string; readonly port: number; readonly label: string }
  | { readonly kind: 'invalid'; readonly label: string; readonly error: string };

export const round2 = (n: number): number => Math.round(n * 100) / 100;

/**
 * Parses a configured dependency. URLs keep only scheme, host, port and path in their label:
 * user info and query strings often carry credentials, and the label ends up in stored reports.
 */
export function parseTarget(spec: string): Target {
  const text = spec.trim();
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      return { kind: 'invalid', label: text.replace(/\/\/[^@/]*@/, '//'), error: 'not a valid URL' };
    }
    const label = `${url.protocol}//${url.host}${url.pathname === '/' ? '' : url.pathname}`;
    if (url.protocol === 'http:' || url.protocol === 'https:') return { kind: 'http', url: url.toString(), label };
    // postgres://, amqp:// and the like: a TCP connect to host:port is all we can check without their client.
    if (url.port === '') return { kind: 'invalid', label, error: `no port given, and ${url.protocol} is not HTTP` };
    return { kind: 'tcp', host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port), label };
  }
  const m = /^\[([^\]]+)\]:(\d{1,5})$/.exec(text) ?? /^([^\s:/[\]]+):(\d{1,5})$/.exec(text);
  const port = m ? Number(m[2]) : NaN;
  if (!m || port < 1 || port > 65535)
    return { kind: 'invalid', label: text, error: 'expected an http(s) URL or host:port' };
  return { kind: 'tcp', host: m[1] as string, port, label: text };
}

/** An alert webhook is checked by a TCP connect to its host: a GET could fire it or leak its path. */
export function webhookTarget(url: string): Target {
  try {
    const u = new URL(url);
    const port = u.port !== '' ? Number(u.port) : u.protocol === 'http:' ? 80 : 443;
    return { kind: 'tcp', host: u.hostname.replace(/^\[|\]$/g, ''), port, label: `webhook ${u.hostname}:${port}` };
  } catch {
    return { kind: 'invalid', label: 'webhook (unparsable URL)', error: 'not a valid URL' };
  }
}

/** Deadline for one check, also ended by the step's own signal. */
export function deadline(parent: AbortSignal, timeoutMs: number): AbortSignal {
  return AbortSignal.any([parent, AbortSignal.timeout(timeoutMs)]);
}

/** GET with a deadline; the body is read (bounded) so the connection is released. */
export async function httpGet(
  url: string,
  signal: AbortSignal,
): Promise<{ status: number; body: string; latencyMs: number }> {
  const started = performance.now();
  const res = await fetch(url, {
    method: 'GET',
    redirect: 'manual',
    signal,
    headers: { 'user-agent': 'queuekeeper-maintenance' },
  });
  const body = (await res.text()).slice(0, 2000);
  return { status: res.status, body, latencyMs: round2(performance.now() - started) };
}

/** Opens and closes a TCP connection; resolves to the connect time in ms. */
function tcpConnect(host: string, port: number, signal: AbortSignal): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const socket = connect({ host, port });
    const onAbort = (): void => {
      socket.destroy();
      reject(signal.reason);
    };
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', () => {
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve(round2(performance.now() - started));
    });
    socket.once('error', (e) => {
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      reject(e);
    });
  });
}

/** Checks one target: HTTP answers below 500 count as healthy (reachable and serving). */
export async function checkTarget(
  t: Target,
  parent: AbortSignal,
  timeoutMs: number,
): Promise<Health & { target: string; kind: Target['kind']; httpStatus?: number }> {
  if (t.kind === 'invalid')
    return { target: t.label, kind: t.kind, status: 'Unhealthy', latencyMs: null, error: t.error };
  const signal = deadline(parent, timeoutMs);
  try {
    if (t.kind === 'tcp')
      return {
        target: t.label,
        kind: t.kind,
        status: 'Healthy',
        latencyMs: await tcpConnect(t.host, t.port, signal),
        error: null,
      };
    const r = await httpGet(t.url, signal);
    const ok = r.status < 500;
    return {
      target: t.label,
      kind: t.kind,
      httpStatus: r.status,
      status: ok ? 'Healthy' : 'Unhealthy',
      latencyMs: r.latencyMs,
      error: ok ? null : `HTTP ${r.status}`,
    };
  } catch (e) {
    return { target: t.label, kind: t.kind, status: 'Unhealthy', latencyMs: null, error: timeoutText(e, timeoutMs) };
  }
}

/** AbortSignal.timeout rejects with a bare "The operation was aborted due to timeout". */
export function timeoutText(e: unknown, timeoutMs: number): string {
  const name = (e as { name?: unknown } | null)?.name;
  return name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : errorText(e);
}

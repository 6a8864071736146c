const field = (e: unknown, name: string): string =>
  e && typeof e === 'object' && name in e ? String((e as Record<string, unknown>)[name]) : '';

/** SQLSTATE 40001 serialization failure and 40P01 deadlock are safe to retry. */
export const isPgTransient = (e: unknown): boolean => ['40001', '40P01', '55P03'].includes(field(e, 'code'));

/**
 * Connection-level failures: refused or reset sockets, class 08 (connection exception), 57P0x
 * (admin shutdown, crash shutdown, cannot connect now), 53300 (too many connections).
 */
export function isPgUnavailable(e: unknown): boolean {
  const c = field(e, 'code');
  if (/^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|ENOTFOUND|EHOSTUNREACH|EAI_AGAIN)$/.test(c)) return true;
  if (/^08|^57P0|^53300$/.test(c)) return true;
  const msg = e instanceof Error ? e.message : '';
  return /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(
    msg,
  );
}

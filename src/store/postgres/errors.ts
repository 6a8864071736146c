import { DeadlineExceeded } from '../../resilience/index.js';

const field = (e: unknown, name: string): string =>
  e && typeof e === 'object' && name in e ? String((e as Record<string, unknown>)[name]) : '';

/** SQLSTATE 40001 serialization failure, 40P01 deadlock and 55P03 lock not available are safe to retry. */
export const isPgTransient = (e: unknown): boolean => ['40001', '40P01', '55P03'].includes(field(e, 'code'));

/**
 * The database cannot serve the call now: refused or reset sockets, class 08 (connection
 * exception), 57014 (statement_timeout ended the statement), 57P0x (admin shutdown, crash
 * shutdown, cannot connect now), 53300 (too many connections), or no answer within the deadline.
 */
export function isPgUnavailable(e: unknown): boolean {
  if (e instanceof DeadlineExceeded) return true;
  const c = field(e, 'code');
  if (/^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|ENOTFOUND|EHOSTUNREACH|EAI_AGAIN)$/.test(c)) return true;
  if (/^08|^57014$|^57P0|^53300$/.test(c)) return true;
  // pg raises these without a code: a lost link, and the pool's connect or acquire timeout.
  const msg = e instanceof Error ? e.message : '';
  return /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(
    msg,
  );
}

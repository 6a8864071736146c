import type { FastifyRequest } from 'fastify';
import { AppError, isAppError } from '../errors/index.js';
import type { RateLimiter } from '../live/contract.js';

const WINDOW_MS = 60_000;
/** Addresses blocked at once that this node remembers; past it, the oldest blocks are forgotten. */
const MAX_BLOCKED = 100_000;

declare module 'fastify' {
  interface FastifyRequest {
    /** Set when the request's own line would only repeat what a compact line already said. */
    quietLog: boolean;
  }
}

/**
 * Throttles guessing of ticket ids and tokens per client address. Only failed guesses count (a
 * customer polling their own ticket never does), shared between nodes through the rate limiter.
 * Once an address is over, this node refuses its ticket requests before looking at the token, so
 * a right guess is no use either; that check is a map lookup, nothing on the hot path waits.
 */
export class GuessThrottle {
  private readonly blocked = new Map<string, number>();

  constructor(
    private readonly limiter: RateLimiter,
    private readonly limit: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether `req`'s address may look up tickets now; `guard` answers a blocked one with 429. */
  isOpen(req: FastifyRequest): boolean {
    return this.blocked.size === 0 || !this.isBlocked(req.ip);
  }

  /** Whether any address may be blocked: while none is (the usual case), no address need be worked out. */
  anyBlocked(): boolean {
    return this.blocked.size > 0;
  }

  isBlocked(ip: string): boolean {
    const until = this.blocked.get(ip);
    return until !== undefined && until > this.now();
  }

  /** Runs a ticket lookup for `req`: 429 while its address is blocked; a 404 counts as a failed guess. */
  async guard<T>(req: FastifyRequest, fn: () => Promise<T>): Promise<T> {
    if (this.limit <= 0) return fn();
    const until = this.blocked.get(req.ip);
    if (until !== undefined) {
      if (until > this.now()) throw this.refusal(req, until);
      this.blocked.delete(req.ip);
    }
    try {
      return await fn();
    } catch (e) {
      if (isAppError(e) && e.code === 'not_found') await this.failed(req);
      throw e;
    }
  }

  private async failed(req: FastifyRequest): Promise<void> {
    req.quietLog = true;
    // One short line per failed guess (the security scan counts them); the request line is skipped.
    req.log.warn({ event: 'ticket_token_invalid', ip: req.ip });
    const d = await this.limiter.hit(`guess:${req.ip}`, this.limit, WINDOW_MS);
    if (d.allowed) return;
    const until = this.now() + d.resetMs;
    if (this.blocked.size >= MAX_BLOCKED) this.blocked.delete(this.blocked.keys().next().value as string);
    this.blocked.set(req.ip, until);
    req.log.warn({ event: 'ticket_guessing_blocked', ip: req.ip, seconds: Math.ceil(d.resetMs / 1000) });
    throw this.refusal(req, until);
  }

  private refusal(req: FastifyRequest, until: number): AppError {
    req.quietLog = true;
    return new AppError('rate_limited', 'too many unknown tickets or wrong tokens from this address', {
      retryAfter: Math.max(1, Math.ceil((until - this.now()) / 1000)),
    });
  }
}

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { cookieValue, passCookie, withoutParam } from './http.js';
import { passVerifier, type QueuePass } from './verify.js';

export type { QueuePass } from './verify.js';

/** The query parameter the ticket page's Continue link carries the pass in. */
export const PASS_PARAM = 'qk_pass';

export interface SiteGuardOptions {
  /** queuekeeper's public address (`QK_PUBLIC_URL`): the passes' issuer, and where the JWKS and join page are. */
  readonly queueUrl: string;
  /** The waiting room guarding this site: a pass must name it as its audience. */
  readonly queueId: string;
  /** Where the keys are fetched, for a site that reaches queuekeeper by an inside address; default: `<queueUrl>/.well-known/jwks.json`. */
  readonly jwksUrl?: string;
  /** Where visitors without a valid pass go; default: the room's join page. */
  readonly joinUrl?: string;
  /** Default `qk_pass`. */
  readonly cookieName?: string;
  /** Whether the cookie is `Secure`; default: when the request came over TLS (or says so in `X-Forwarded-Proto`). */
  readonly secureCookie?: boolean;
  /** Difference allowed between this site's clock and queuekeeper's; default 30 s. */
  readonly clockToleranceSeconds?: number;
  readonly now?: () => Date;
}

/** What to do with one request. */
export type Decision =
  | { readonly kind: 'pass'; readonly pass: QueuePass }
  | { readonly kind: 'redirect'; readonly location: string; readonly setCookie: string | null }
  | { readonly kind: 'unavailable' };

type NodeHandler = (req: IncomingMessage, res: ServerResponse) => unknown;
type Next = (err?: unknown) => void;

/** The parts of a Fastify request and reply the hook uses, so the guard needs no Fastify to load. */
interface HookRequest {
  readonly raw: IncomingMessage;
}
interface HookReply {
  code(status: number): HookReply;
  header(name: string, value: string): HookReply;
  send(body?: string): unknown;
}

const seen = new WeakMap<IncomingMessage, QueuePass>();

/** The pass the guard accepted for this request (Fastify: `passOf(request.raw)`). */
export const passOf = (req: IncomingMessage): QueuePass | null => seen.get(req) ?? null;

/**
 * Protects a site with a queuekeeper waiting room, checking passes offline (docs/waiting-room.md,
 * "Protecting a site"). A pass arrives once in the `qk_pass` query parameter (the ticket page's
 * Continue link), becomes a cookie, and the visitor is sent to the same address without it.
 */
export function siteGuard(o: SiteGuardOptions) {
  const base = o.queueUrl.replace(/\/+$/, '');
  const cookieName = o.cookieName ?? PASS_PARAM;
  const joinUrl = o.joinUrl ?? `${base}/q/${encodeURIComponent(o.queueId)}`;
  const now = o.now ?? (() => new Date());
  const verify = passVerifier({
    issuer: base,
    queueId: o.queueId,
    jwksUrl: new URL(o.jwksUrl ?? `${base}/.well-known/jwks.json`),
    clockToleranceSeconds: o.clockToleranceSeconds ?? 30,
    now,
  });
  const toJoin: Decision = { kind: 'redirect', location: joinUrl, setCookie: null };

  async function decide(req: IncomingMessage): Promise<Decision> {
    // Express mounted under a path rewrites `url`; the address the visitor asked for is `originalUrl`.
    const asked = (req as IncomingMessage & { originalUrl?: string }).originalUrl ?? req.url ?? '/';
    const { pass: fromUrl, rest } = withoutParam(asked, PASS_PARAM);
    const token = fromUrl ?? cookieValue(req.headers.cookie, cookieName);
    if (token === null) return toJoin;
    const r = await verify(token);
    if (r.kind !== 'valid') return r.kind === 'invalid' ? toJoin : r;
    if (fromUrl === null) return { kind: 'pass', pass: r.pass };
    const maxAge = Math.max(1, Math.floor((r.pass.expiresAt.getTime() - now().getTime()) / 1000));
    return { kind: 'redirect', location: rest, setCookie: passCookie(cookieName, token, maxAge, secure(req)) };
  }

  function secure(req: IncomingMessage): boolean {
    if (o.secureCookie !== undefined) return o.secureCookie;
    return (req.socket as Partial<TLSSocket>).encrypted === true || req.headers['x-forwarded-proto'] === 'https';
  }

  /** Answers the request itself unless the visitor passes; true when they pass. */
  async function gate(req: IncomingMessage, answer: (status: number, headers: Record<string, string>) => void) {
    // Nothing a visitor sends may take the site down: a request the guard cannot read goes to the queue.
    const d = await decide(req).catch((): Decision => toJoin);
    if (d.kind === 'pass') {
      seen.set(req, d.pass);
      return true;
    }
    if (d.kind === 'unavailable') answer(503, { 'retry-after': '5', 'cache-control': 'no-store' });
    else
      answer(d.setCookie === null ? 302 : 303, {
        location: d.location,
        'cache-control': 'no-store',
        ...(d.setCookie === null ? {} : { 'set-cookie': d.setCookie }),
      });
    return false;
  }

  const nodeAnswer = (res: ServerResponse) => (status: number, headers: Record<string, string>) =>
    res.writeHead(status, headers).end();

  return {
    decide,
    /** Wraps a plain Node `http` handler. */
    node(handler: NodeHandler): NodeHandler {
      return async (req, res) => {
        if (await gate(req, nodeAnswer(res))) await handler(req, res);
      };
    },
    /** Express / Connect middleware: `app.use(guard.middleware)`. */
    middleware(req: IncomingMessage, res: ServerResponse, next: Next): void {
      gate(req, nodeAnswer(res)).then((ok) => ok && next(), next);
    },
    /** A Fastify `onRequest` hook: `app.addHook('onRequest', guard.fastify)`. */
    async fastify(request: HookRequest, reply: HookReply): Promise<unknown> {
      const ok = await gate(request.raw, (status, headers) => {
        let r = reply.code(status);
        for (const [k, v] of Object.entries(headers)) r = r.header(k, v);
        r.send('');
      });
      // An async hook that answered returns the reply, so Fastify goes no further.
      return ok ? undefined : reply;
    },
  };
}

export type SiteGuard = ReturnType<typeof siteGuard>;

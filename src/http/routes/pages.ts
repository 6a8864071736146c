import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { publicQueueView } from '../../domain/views.js';
import type { Queue } from '../../domain/types.js';
import { isAppError } from '../../errors/index.js';
import type { AppContext } from '../../runtime/context.js';
import { boardSchema, errors } from '../responses.js';
import { PAGE_CSP, esc, notFoundPage, page, type PageInput } from '../pages/html.js';
import { CATALOGUES, LANG_COOKIE, chooseLang, type Catalogue, type Lang } from '../pages/i18n.js';
import { qrSvg } from '../pages/qr.js';
import { BOARD_SIZE, boardView } from '../pages/views.js';
import { idSchema } from '../schemas.js';
import { loadBoard } from './queue-streams.js';

/** The built browser bundles (`npm run build`), the same path from `src/` under tsx and from `dist/`. */
export const WEB_DIR = fileURLToPath(new URL('../../../dist/web/', import.meta.url));

type Req = FastifyRequest<{ Params: Record<string, string>; Querystring: Record<string, string | undefined> }>;

/** The language of this request; an explicit `?lang=` is remembered in a cookie. */
function langOf(req: Req, reply: FastifyReply): Lang {
  const asked = req.query.lang;
  const lang = chooseLang(asked, req.headers.cookie, req.headers['accept-language']);
  if (asked === lang) void reply.header('set-cookie', `${LANG_COOKIE}=${lang}; Path=/; Max-Age=31536000; SameSite=Lax`);
  return lang;
}

/** A queue's page as its route describes it; the language comes from the request. */
type QueuePage = Omit<PageInput, 'lang'>;

function sendPage(reply: FastifyReply, status: number, html: string): FastifyReply {
  return reply
    .status(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('content-security-policy', PAGE_CSP)
    .header('cache-control', 'no-store')
    .send(html);
}

/** Customer pages (docs/pages.md): join, ticket, display board and poster, plus the board's public read. */
export function pageRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  const joinUrl = (queueId: string) => `${ctx.config.publicUrl}/q/${encodeURIComponent(queueId)}`;

  /** The queue a page is about, or null when the id is malformed or names nothing. */
  async function queueOrNull(id: string | undefined): Promise<Queue | null> {
    if (!idSchema.safeParse(id).success) return null;
    try {
      return await ctx.service.queue(id as string);
    } catch (e) {
      if (isAppError(e) && e.code === 'not_found') return null;
      throw e;
    }
  }
  const missing = (req: Req, reply: FastifyReply, lang: Lang) =>
    sendPage(reply, 404, notFoundPage(lang, req.url.split('?')[0] as string));

  /** A page about one queue, in the request's language; the not-found page when the id names no queue. */
  const queuePage =
    (render: (q: Queue, t: Catalogue) => Promise<QueuePage> | QueuePage) => async (req: Req, reply: FastifyReply) => {
      const lang = langOf(req, reply);
      const q = await queueOrNull(req.params.queueId);
      if (!q) return missing(req, reply, lang);
      return sendPage(reply, 200, page({ lang, ...(await render(q, CATALOGUES[lang])) }));
    };

  return async (app) => {
    if (existsSync(WEB_DIR)) await app.register(fastifyStatic, { root: WEB_DIR, prefix: '/assets/', index: false });
    else ctx.logger.warn({ dir: WEB_DIR }, 'the web bundle is not built (npm run build): pages will have no script');

    app.get(
      '/q/:queueId',
      { schema: { hide: true } },
      queuePage((q) => ({
        title: q.name,
        script: 'join',
        bodyClass: 'page-join',
        path: `/q/${q.id}`,
        main: '',
        // Only whether it is full, not the capacity itself (the public view leaves that out).
        boot: {
          queue: publicQueueView(q, ctx.now()),
          full: q.capacity !== null && q.waitingCount >= q.capacity,
          // The email field only where an email can be sent.
          email: ctx.config.notifications.smtpUrl !== null,
        },
      })),
    );

    app.get(
      '/q/:queueId/poster',
      { schema: { hide: true } },
      queuePage(async (q, t) => {
        const url = joinUrl(q.id);
        const main = `<div class="poster"><h1>${esc(t.posterTitle)}</h1><p class="poster-queue">${esc(q.name)}</p>
${await qrSvg(url, t.scanToJoin)}<p>${esc(t.posterText)}</p><p class="poster-url">${esc(url)}</p></div>`;
        return { title: `${t.posterTitle}: ${q.name}`, bodyClass: 'page-poster', path: `/q/${q.id}/poster`, main };
      }),
    );

    app.get('/t/:ticketId', { schema: { hide: true } }, async (req: Req, reply) => {
      const lang = langOf(req, reply);
      const id = req.params.ticketId;
      const ticket = idSchema.safeParse(id).success ? await ctx.store.getTicket(id as string) : null;
      if (!ticket) return missing(req, reply, lang);
      return sendPage(
        reply,
        200,
        page({
          lang,
          title: CATALOGUES[lang].yourNumber,
          script: 'ticket',
          bodyClass: 'page-ticket',
          path: `/t/${ticket.id}`,
          main: '',
          boot: { ticketId: ticket.id, queueId: ticket.queueId },
        }),
      );
    });

    app.get(
      '/board/:queueId',
      { schema: { hide: true } },
      queuePage(async (q, t) => {
        const url = joinUrl(q.id);
        const called = await ctx.store.nowServing(q.id, BOARD_SIZE);
        const main = `<div id="live"></div><aside class="join-qr">${await qrSvg(url, t.scanToJoin)}<p>${esc(t.scanToJoin)}</p><p class="join-url">${esc(url)}</p></aside>`;
        return {
          title: q.name,
          script: 'board',
          bodyClass: 'page-board',
          path: `/board/${q.id}`,
          main,
          boot: { board: boardView(q, called, ctx.now()) },
        };
      }),
    );

    app.get(
      '/api/queues/:queueId/board',
      {
        schema: {
          tags: ['customers'],
          summary: 'A display board: the public queue view and the most recently called tickets with their desks',
          params: z.object({ queueId: idSchema }),
          response: { 200: boardSchema, ...errors(400, 404, 503) },
        },
      },
      async (req) => loadBoard(ctx, req.params.queueId),
    );
  };
}

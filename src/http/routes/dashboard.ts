import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { queueChannel } from '../../domain/ticket-events.js';
import type { AppContext } from '../../runtime/context.js';
import { requireRole } from '../auth.js';
import { PAGE_CSP } from '../pages/html.js';
import { errors } from '../responses.js';
import { idSchema } from '../schemas.js';

/** At most one change note per queue in this span: a burst of joins becomes one refresh. */
const NOTE_EVERY_MS = 250;
const PING_MS = 15_000;

/** The console's shell: the script signs in with a key kept in the browser's session storage. */
const CONSOLE_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>queuekeeper console</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/assets/console.css">
<script type="module" src="/assets/console.js"></script></head>
<body><div id="app"><main id="main"><p>Loading the console…</p></main></div></body></html>`;

/** The operators' console (contract §7) and the per-queue change stream it listens to. */
export function dashboardRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.get('/', { schema: { hide: true } }, async (_req, reply) => reply.redirect('/dashboard'));
    app.get('/dashboard', { schema: { hide: true } }, async (_req, reply) =>
      reply
        .header('content-type', 'text/html; charset=utf-8')
        .header('content-security-policy', PAGE_CSP)
        .header('cache-control', 'no-store')
        .send(CONSOLE_HTML),
    );

    app.get(
      '/api/whoami',
      {
        preHandler: requireRole(ctx.auth, ['admin', 'operator']),
        schema: {
          tags: ['operators'],
          security: [{ bearer: [] }],
          summary: 'The role of the key sent, so that the console shows only the pages it may use',
          response: {
            200: z.object({ role: z.enum(['admin', 'operator']) }).describe('The key’s role'),
            ...errors(401, 403, 503),
          },
        },
      },
      async (req) => ({ role: req.principal?.role === 'admin' ? ('admin' as const) : ('operator' as const) }),
    );

    app.get(
      '/api/queues/:id/changes',
      {
        preHandler: requireRole(ctx.auth, ['admin', 'operator']),
        schema: {
          tags: ['operators'],
          security: [{ bearer: [] }],
          summary:
            'Server-Sent Events for operators: a `changed` event whenever the queue or its tickets change (read with fetch, the key in the Authorization header)',
          params: z.object({ id: idSchema }),
          produces: ['text/event-stream'],
          response: {
            200: z
              .object({})
              .describe('A stream of `changed` events (data `{}`): read the queue and its tickets again'),
            ...errors(400, 401, 403, 404, 503),
          },
        },
      },
      async (req, reply) => {
        await ctx.service.queue(req.params.id);
        reply.hijack();
        const res = reply.raw;
        res.writeHead(200, {
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-cache, no-transform',
          connection: 'keep-alive',
          'x-accel-buffering': 'no',
        });
        let seq = 0;
        let pending: NodeJS.Timeout | null = null;
        const note = () => {
          if (pending) return;
          pending = setTimeout(() => {
            pending = null;
            res.write(`id: ${++seq}\nevent: changed\ndata: {}\n\n`);
          }, NOTE_EVERY_MS);
        };
        res.write(`id: ${++seq}\nevent: changed\ndata: {}\n\n`);
        const off = ctx.live.bus.subscribe(queueChannel(req.params.id), note);
        off.catch((e: unknown) => req.log.warn({ err: e }, 'operator change stream could not subscribe'));
        const ping = setInterval(() => res.write(': keep-alive\n\n'), PING_MS);
        req.raw.on('close', () => {
          clearInterval(ping);
          if (pending) clearTimeout(pending);
          void off.then((stop) => stop()).catch(() => undefined);
        });
      },
    );
  };
}

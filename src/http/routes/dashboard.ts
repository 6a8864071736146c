import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../runtime/context.js';
import { requireRole } from '../auth.js';
import { PAGE_CSP } from '../pages/html.js';
import { errors } from '../responses.js';

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

/** The operators' console (contract §7); its per-queue change stream is in queue-streams.ts. */
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
  };
}

import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { AppContext } from '../../runtime/context.js';
import { DASHBOARD_HTML } from './dashboard-page.js';

/** The operators' dashboard: one static page that talks to the API with the operator's key. */
export function dashboardRoutes(_ctx: AppContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.get('/', { schema: { hide: true } }, async (_req, reply) => reply.redirect('/dashboard'));
    app.get('/dashboard', { schema: { hide: true } }, async (_req, reply) =>
      reply.header('content-type', 'text/html; charset=utf-8').send(DASHBOARD_HTML),
    );
  };
}

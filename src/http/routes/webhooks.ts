import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { registerWebhook } from '../../domain/webhooks.js';
import { conflict, notFound } from '../../errors/index.js';
import type { AppContext } from '../../runtime/context.js';
import { EMAIL_CHANNEL } from '../../store/webhook-contract.js';
import { requireRole } from '../auth.js';
import { errors, noContent, page } from '../responses.js';
import {
  createWebhookBody,
  deliveriesQuery,
  deliveryParams,
  deliverySchema,
  deliveryView,
  newWebhookSchema,
  outboxSchema,
  webhookParams,
  webhookSchema,
  webhookView,
} from '../webhook-responses.js';

/** Webhooks and their deliveries: admin only. The signing secret is shown once, at creation. */
export function webhookRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.addHook('preHandler', requireRole(ctx.auth, ['admin']));
    const security = [{ bearer: [] }];
    const tags = ['admin'];
    const hooks = ctx.store.webhooks;
    const mustExist = async (id: string) => {
      const w = await hooks.getWebhook(id);
      if (!w) throw notFound('webhook');
      return w;
    };
    app.post(
      '/api/webhooks',
      {
        schema: {
          tags,
          security,
          summary: 'Register a webhook for ticket events',
          body: createWebhookBody,
          response: { 201: newWebhookSchema, ...errors(400, 401, 403, 413, 415, 503) },
        },
      },
      async (req, reply) => {
        const { record, secret } = await registerWebhook(hooks, req.body, {
          allowPrivate: ctx.config.notifications.allowPrivateAddresses,
          now: new Date(),
          secrets: ctx.secrets,
        });
        return reply.status(201).send({ ...webhookView(record), secret });
      },
    );
    app.get(
      '/api/webhooks',
      {
        schema: {
          tags,
          security,
          summary: 'List webhooks',
          response: { 200: page(webhookSchema, 'Every webhook, without secrets'), ...errors(401, 403, 503) },
        },
      },
      async () => ({ items: (await hooks.listWebhooks()).map(webhookView), nextCursor: null }),
    );
    app.get(
      '/api/webhooks/:id',
      {
        schema: {
          tags,
          security,
          summary: 'One webhook',
          params: webhookParams,
          response: { 200: webhookSchema, ...errors(400, 401, 403, 404, 503) },
        },
      },
      async (req) => webhookView(await mustExist(req.params.id)),
    );
    app.delete(
      '/api/webhooks/:id',
      {
        schema: {
          tags,
          security,
          summary: 'Delete a webhook and its pending deliveries',
          params: webhookParams,
          response: { 204: noContent('Deleted'), ...errors(400, 401, 403, 404, 503) },
        },
      },
      async (req, reply) => {
        // The email channel is the server's own row, switched by QK_SMTP_URL, not a webhook.
        if (req.params.id === EMAIL_CHANNEL.id || !(await hooks.deleteWebhook(req.params.id)))
          throw notFound('webhook');
        return reply.status(204).send();
      },
    );
    app.get(
      '/api/outbox',
      {
        schema: {
          tags,
          security,
          summary: 'The outbox: deliveries not yet delivered, and those that ran out of retries',
          response: { 200: outboxSchema, ...errors(401, 403, 503) },
        },
      },
      async () => {
        const now = new Date();
        const [total, byWebhook] = await Promise.all([hooks.backlog(now), hooks.backlogByWebhook()]);
        return { ...total, byWebhook };
      },
    );
    app.get(
      '/api/webhooks/:id/deliveries',
      {
        schema: {
          tags,
          security,
          summary: "A webhook's deliveries, newest first",
          params: webhookParams,
          querystring: deliveriesQuery,
          response: {
            200: page(deliverySchema, 'Deliveries with status and latency'),
            ...errors(400, 401, 403, 404, 503),
          },
        },
      },
      async (req) => {
        await mustExist(req.params.id);
        const p = await hooks.listDeliveries(req.params.id, req.query);
        return { items: p.items.map(deliveryView), nextCursor: p.nextCursor };
      },
    );
    app.post(
      '/api/webhooks/:id/deliveries/:deliveryId/resend',
      {
        schema: {
          tags,
          security,
          summary: 'Send a failed delivery again',
          params: deliveryParams,
          response: { 204: noContent('Due again at once'), ...errors(400, 401, 403, 404, 409, 503) },
        },
      },
      async (req, reply) => {
        await mustExist(req.params.id);
        if (!/^\d{1,18}$/.test(req.params.deliveryId)) throw notFound('delivery');
        const r = await hooks.resend(req.params.id, req.params.deliveryId, new Date());
        if (r === 'not_found') throw notFound('delivery');
        if (r === 'not_failed') throw conflict('only a failed delivery can be sent again');
        return reply.status(204).send();
      },
    );
  };
}

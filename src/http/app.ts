import cors from '@fastify/cors';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import secureJson from 'secure-json-parse';
import { AppError } from '../errors/index.js';
import type { AppContext } from '../runtime/context.js';
import { CachedStatus } from './cached-status.js';
import { clientAddress, trustFunction } from './client-address.js';
import { recordRequest, requestIds } from './request-record.js';
import { answerCachedStatusFirst } from './status-fast-path.js';
import { answerExpectations, clientErrorHandler } from './client-errors.js';
import { limitConnections, serverDeadlines } from './connection-limits.js';
import { errorHandler, notFoundHandler } from './errors.js';
import { transform, transformObject } from './openapi.js';
import { serializerCompiler } from './serializer.js';
import { securityHeaders } from './security-headers.js';
import { backupRoutes } from './routes/backups.js';
import { consoleHistoryRoutes } from './routes/console-history.js';
import { customerRoutes } from './routes/customer.js';
import { GuessThrottle } from './guess-throttle.js';
import { applyRequestBudget } from './request-budget.js';
import { dashboardRoutes } from './routes/dashboard.js';
import { queueStreamRoutes } from './routes/queue-streams.js';
import { healthRoutes } from './routes/health.js';
import { keyRoutes } from './routes/keys.js';
import { webhookRoutes } from './routes/webhooks.js';
import { maintenanceRoutes } from './routes/maintenance.js';
import { metricsRoutes } from './routes/metrics.js';
import { operatorRoutes } from './routes/operator.js';
import { statsRoutes } from './routes/stats.js';
import { pageRoutes } from './routes/pages.js';
import { waitingRoomRoutes } from './routes/waiting-room.js';

const BODY_LIMIT = 16 * 1024;
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Builds the HTTP API on a runtime. Listening is the caller's business. */
export async function buildApp(ctx: AppContext): Promise<FastifyInstance> {
  const headers = securityHeaders();
  const trust = trustFunction(ctx.config.trustProxy);
  const nextId = requestIds();
  const app = Fastify({
    loggerInstance: ctx.logger as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    // Fastify would build a pino child per request only to bind reqId; most requests never log, so
    // the few lines that do carry `reqId` themselves and every request skips the child.
    childLoggerFactory: (logger) => logger,
    bodyLimit: BODY_LIMIT,
    // Fastify sets the server's request timeout from its own option (off by default).
    requestTimeout: ctx.config.http.requestTimeoutMs,
    http: serverDeadlines(ctx.config.http),
    trustProxy: trust,
    genReqId: nextId,
    // Fastify's own 503 while closing has its own body shape; the onRequest hook below answers instead.
    return503OnClosing: false,
    clientErrorHandler: clientErrorHandler(headers, ctx.logger as FastifyBaseLogger),
    routerOptions: { maxParamLength: 200 },
    // Router-level failures (an over-long path parameter, a malformed %-escape) would otherwise be
    // answered by Fastify itself (414 / 400) in its own body shape; give them our error shape.
    frameworkErrors: (err, req, reply) =>
      errorHandler(
        err.code === 'FST_ERR_ASYNC_CONSTRAINT'
          ? err
          : new AppError(
              'validation_failed',
              err.code === 'FST_ERR_MAX_PARAM_LENGTH'
                ? 'a path parameter is too long (ids are at most 64 characters)'
                : 'the URL is not valid (bad %-escape)',
            ),
        req,
        reply,
      ),
  }).withTypeProvider<ZodTypeProvider>();
  limitConnections(app.server, ctx.config.http, ctx.config.trustProxy, ctx.logger as FastifyBaseLogger);
  answerExpectations(app.server, headers);
  app.decorateRequest('quietLog', false);
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler(notFoundHandler);
  applyRequestBudget(app, ctx.config.http.requestBudgetMs);

  // The default parser would turn invalid UTF-8 into U+FFFD and store it; we refuse it instead.
  app.removeContentTypeParser('application/json');
  // The API speaks JSON only: without this, text/plain bodies reach the routes as strings.
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: BODY_LIMIT }, (_req, body, done) => {
    const buf = body as Buffer;
    if (buf.length === 0) return done(null, undefined);
    let text: string;
    try {
      text = strictUtf8.decode(buf);
    } catch {
      return done(new AppError('validation_failed', 'body is not valid UTF-8'), undefined);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (e) {
      return done(new AppError('validation_failed', `body is not valid JSON: ${(e as Error).message}`), undefined);
    }
    // Such keys would be dropped or turn into prototypes on the way through validation: refused,
    // so a body is stored as sent or not at all.
    try {
      if (typeof parsed === 'object' && parsed !== null)
        secureJson.scan(parsed, { protoAction: 'error', constructorAction: 'error' });
    } catch {
      return done(
        new AppError('validation_failed', 'body must not use the keys __proto__ or constructor.prototype'),
        undefined,
      );
    }
    done(null, parsed);
  });

  let closing = false;
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  // Callback-style hooks: an async hook costs every request a promise and its await.
  app.addHook('onRequest', (_req, reply, done) => {
    void reply.headers(headers);
    if (closing) {
      void reply.header('connection', 'close');
      return done(new AppError('unavailable', 'this node is shutting down; retry shortly', { retryAfter: 1 }));
    }
    done();
  });
  // No origins configured means no cross-origin access at all, which needs no plugin.
  if (ctx.config.corsOrigins.length > 0) await app.register(cors, { origin: [...ctx.config.corsOrigins] });
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'queuekeeper',
        version: '0.1.0',
        description: 'Virtual queues with exact positions and honest waits.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    },
    transform,
    transformObject,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  app.addHook('onResponse', (req, reply, done) => {
    recordRequest(ctx, {
      reqId: req.id,
      method: req.method,
      route: req.routeOptions.url ?? 'unmatched',
      url: req.url,
      ip: () => req.ip,
      status: reply.statusCode,
      ms: reply.elapsedTime,
      userAgent: req.headers['user-agent'],
      contentType: reply.getHeader('content-type'),
      quiet: req.quietLog,
    });
    done();
  });

  await app.register(healthRoutes(ctx));
  await app.register(metricsRoutes(ctx));
  // One throttle for every route that checks a ticket token, so a guesser blocked on one is blocked on all.
  const guesses = new GuessThrottle(ctx.live.limiter, ctx.config.http.tokenGuessLimit);
  const cached = new CachedStatus(ctx.service);
  await app.register(customerRoutes(ctx, guesses, cached));
  await app.register(operatorRoutes(ctx));
  await app.register(statsRoutes(ctx));
  await app.register(keyRoutes(ctx));
  await app.register(webhookRoutes(ctx));
  await app.register(maintenanceRoutes(ctx));
  await app.register(backupRoutes(ctx));
  await app.register(dashboardRoutes(ctx));
  await app.register(queueStreamRoutes(ctx));
  await app.register(consoleHistoryRoutes(ctx));
  await app.register(pageRoutes(ctx));
  await app.register(waitingRoomRoutes(ctx, guesses));
  // Cross-origin answers carry headers only the CORS plugin knows, so with origins configured every
  // poll takes the route.
  if (ctx.config.corsOrigins.length === 0)
    answerCachedStatusFirst(app.server, {
      cached,
      headers,
      blocked: (req) => guesses.anyBlocked() && guesses.isBlocked(clientAddress(req, trust)),
      closing: () => closing,
      nextId,
      clientIp: (req) => clientAddress(req, trust),
      record: (s) => recordRequest(ctx, s),
      onError: (err) => ctx.logger.error({ err }, 'status answer failed after it began'),
    });
  return app;
}

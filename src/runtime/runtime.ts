import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Config } from '../config/index.js';
import { isAppError } from '../errors/index.js';
import { IndexWatcher } from '../domain/index-watcher.js';
import { rebuildIndex, reconcileIndex } from '../domain/live-sync.js';
import { QueueService, type ServiceObserver } from '../domain/queue-service.js';
import { newApiKey, sha256 } from '../domain/tokens.js';
import { KeyAuthority } from '../domain/keys.js';
import { TicketEvents } from '../domain/ticket-events.js';
import { AdmissionLoop } from '../domain/admission-loop.js';
import { Passes } from '../domain/passes.js';
import { WaitingRooms } from '../domain/waiting-rooms.js';
import { roomEffects } from '../domain/room-effects.js';
import { WebhookDispatcher } from '../domain/webhook-dispatcher.js';
import { smtpSender } from './mailer.js';
import { openLive } from '../live/open.js';
import { createLogger, type Logger } from '../logging/logger.js';
import { createMaintenance } from '../maintenance/engine/index.js';
import { builtInSteps } from '../maintenance/steps/index.js';
import { outboxMetrics } from '../metrics/outbox.js';
import { createMetrics } from '../metrics/registry.js';
import { Sampler } from '../metrics/sampler.js';
import { LatencyWindow } from '../metrics/window.js';
import { openStore } from '../store/open.js';
import type { AppContext } from './context.js';

export interface Runtime extends AppContext {
  /** Set only on the first start without QK_MASTER_KEY: the caller prints it once. */
  readonly generatedMasterKey: string | null;
  readonly sampler: Sampler;
  readonly dispatcher: WebhookDispatcher;
  start(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Builds one node: store (migrated), live index (rebuilt or reconciled from the database), the
 * queue service, auth, metrics and the maintenance engine. `start()` begins background work.
 */
export async function createRuntime(
  config: Config,
  opts: { logger?: Logger; serve?: boolean; now?: () => Date } = {},
): Promise<Runtime> {
  const now = opts.now ?? (() => new Date());
  const logger = opts.logger ?? createLogger({ level: config.logLevel, logDir: config.logDir });
  const nodeId = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  const store = openStore(config.database, {
    // Background database work never needs longer than a maintenance step may take.
    backgroundTimeoutMs: config.maintenance.stepTimeoutMs,
    onStatementGrowth: (count) =>
      logger.warn({ statements: count }, 'SQLite keeps this many prepared statements; distinct SQL texts keep growing'),
  });
  await store.migrate();
  const live = await openLive(config, logger);
  const sealKey = Buffer.from(await store.initMeta('token_seal_key', randomBytes(32).toString('hex')), 'hex');

  let generatedMasterKey: string | null = null;
  let masterHash: string | null = config.masterKey ? sha256(config.masterKey) : await store.getMeta('master_key_hash');
  if (masterHash === null) {
    const key = newApiKey();
    const kept = await store.initMeta('master_key_hash', sha256(key));
    if (kept === sha256(key)) generatedMasterKey = key;
    masterHash = kept;
  }
  const fixedMaster = masterHash;

  const metrics = createMetrics();
  const window = new LatencyWindow();
  const watcher = new IndexWatcher(store, live.index, {
    onError: (e) => logger.error({ err: e }, 'live index rebuild failed'),
    onRebuilt: (r) => {
      metrics.indexRebuilds.inc();
      logger.warn({ ...r }, 'live index was empty and has been rebuilt from the database');
    },
    onRepaired: (r) => logger.warn({ ...r }, 'live index differed from the database and was repaired'),
  });
  let events: TicketEvents | undefined;
  let service: QueueService | undefined;
  const observer: ServiceObserver = {
    joined: (queueId, n) => metrics.joined.inc({ queue: queueId }, n),
    changed: (t, from) => {
      if (t.status === 'served' || t.status === 'admitted') metrics.served.inc({ queue: t.queueId });
      if (from === 'waiting' && t.calledAt && (t.status === 'called' || t.status === 'admitted'))
        metrics.waitSeconds.observe({ queue: t.queueId }, (t.calledAt.getTime() - t.createdAt.getTime()) / 1000);
      if (t.status === 'served' && t.calledAt && t.endedAt)
        metrics.serviceSeconds.observe({ queue: t.queueId }, (t.endedAt.getTime() - t.calledAt.getTime()) / 1000);
      if (t.status === 'left' || t.status === 'no_show' || t.status === 'expired')
        metrics.left.inc({ queue: t.queueId, status: t.status });
      service?.forgetTicket(t.id);
      if (from !== t.status) events?.changed(t, from);
    },
    // The HTTP layer logs each failed guess once, with the client's address.
    invalidToken: (ticketId) => logger.debug({ ticketId }, 'ticket token did not match'),
  };
  const indexMiss = (queueId: string, cause?: unknown) => {
    // An outage is logged once by the connection; anything else is worth a line of its own.
    if (cause !== undefined && !(isAppError(cause) && cause.code === 'unavailable'))
      logger.error({ err: cause, queueId }, 'live index write failed; the queue will be reconciled');
    watcher.markDirty(queueId);
  };
  service = new QueueService(store, live, sealKey, observer, now, indexMiss);
  events = new TicketEvents(live.bus, live.index, service, nodeId, (e) =>
    logger.warn({ err: e }, 'live update failed'),
  );
  const auth = new KeyAuthority(store, () => fixedMaster);
  const passes = new Passes(store.waitingRooms, sealKey, config.publicUrl, now);
  const rooms = new WaitingRooms(store, roomEffects(live.index, observer, indexMiss), passes, sealKey, now);
  service.attachRooms(rooms);
  const admission = new AdmissionLoop(
    () => rooms.round(),
    (e) => logger.warn({ err: e }, 'admission round failed; the next round tries again'),
  );

  if (live.kind === 'memory' || !(await live.index.isBuilt())) await rebuildIndex(store, live.index);
  const drift = await reconcileIndex(store, live.index);
  if (drift.added + drift.removed > 0)
    logger.warn({ ...drift }, 'live index differed from the database and was corrected');

  const sampler = new Sampler({
    store: store.maintenance,
    window,
    nodeId,
    logger,
    waitingTotal: async () => (await store.listQueues()).reduce((n, q) => n + q.waitingCount, 0),
  });
  const maintenance = createMaintenance({
    config,
    store,
    live,
    logger,
    nodeId,
    steps: builtInSteps(),
    services: {
      trimCaches: () => service.trimCaches(),
    },
    expireTickets: () => service.expireWaiting(),
  });

  const attempts = outboxMetrics(metrics.registry, () => store.webhooks.backlog(new Date()));
  const smtp = config.notifications.smtpUrl;
  const dispatcher = new WebhookDispatcher({
    ...(smtp !== null
      ? { email: { send: smtpSender(smtp, config.notifications.mailFrom), publicUrl: config.publicUrl } }
      : {}),
    store: store.webhooks,
    owner: nodeId,
    timeoutMs: config.notifications.timeoutMs,
    pollMs: config.notifications.pollMs,
    onError: (e) => logger.warn({ err: e }, 'webhook outbox round failed; retrying on the next'),
    onAttempt: (d, r) => {
      attempts.inc({ outcome: r.ok ? 'delivered' : r.retryAt ? 'retry' : 'failed' });
      if (!r.ok) logger.warn({ delivery: d.id, type: d.type, error: r.error }, 'webhook delivery attempt failed');
    },
  });

  const ctx: Runtime = {
    config,
    nodeId,
    logger,
    store,
    live,
    service,
    auth,
    metrics,
    window,
    events,
    watcher,
    maintenance,
    rooms,
    admission,
    generatedMasterKey,
    sampler,
    dispatcher,
    async start() {
      watcher.start();
      sampler.start();
      if (config.scheduler) admission.start();
      // Only a serving node switches the email channel, never a CLI command run with other settings.
      await store.webhooks.setEmailChannel(smtp !== null, new Date());
      dispatcher.start();
      await maintenance.start();
    },
    async close() {
      watcher.stop();
      sampler.stop();
      await admission.stop();
      await dispatcher.stop();
      await maintenance.stop();
      ctx.events.close();
      await live.close();
      await store.close();
    },
  };
  return ctx;
}

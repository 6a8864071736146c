import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Config } from '../config/index.js';
import { isAppError } from '../errors/index.js';
import { IndexWatcher } from '../domain/index-watcher.js';
import { rebuildIndex, reconcileIndex } from '../domain/live-sync.js';
import { QueueService } from '../domain/queue-service.js';
import type { ServiceObserver } from '../domain/service-types.js';
import { newApiKey, secretBox, sha256 } from '../domain/tokens.js';
import { KeyAuthority } from '../domain/keys.js';
import { RecallNotices } from '../domain/recalls.js';
import { TicketEvents } from '../domain/ticket-events.js';
import { AdmissionLoop } from '../domain/admission-loop.js';
import { Passes } from '../domain/passes.js';
import { WaitingRooms } from '../domain/waiting-rooms.js';
import { roomEffects } from '../domain/room-effects.js';
import { WebhookDispatcher } from '../domain/webhook-dispatcher.js';
import { smtpSender } from './mailer.js';
import type { LiveBackend } from '../live/contract.js';
import { openLive } from '../live/open.js';
import { createLogger, type Logger } from '../logging/logger.js';
import { createMaintenance } from '../maintenance/engine/index.js';
import { builtInSteps } from '../maintenance/steps/index.js';
import { outboxMetrics } from '../metrics/outbox.js';
import { createMetrics } from '../metrics/registry.js';
import { Sampler } from '../metrics/sampler.js';
import { LatencyWindow } from '../metrics/window.js';
import { SEAL_KEY_META } from '../store/dump-contract.js';
import type { Store } from '../store/contract.js';
import { openStore } from '../store/open.js';
import { EMAIL_CHANNEL } from '../store/webhook-contract.js';
import type { AppContext } from './context.js';

export interface Runtime extends AppContext {
  /**
   * On the first start without QK_MASTER_KEY, stores the hash of a new admin key and returns the
   * key, for the caller to print at once; null when a key exists (or another node stored its own
   * first). Called once the node listens, so a start that fails earlier stores no key at all.
   */
  keepGeneratedKey(): Promise<string | null>;
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
  const logger = opts.logger ?? createLogger({ level: config.logLevel, logDir: config.logDir });
  const store = openStore(config.database, {
    // Background database work never needs longer than a maintenance step may take.
    backgroundTimeoutMs: config.maintenance.stepTimeoutMs,
    onStatementGrowth: (count) =>
      logger.warn({ statements: count }, 'SQLite keeps this many prepared statements; distinct SQL texts keep growing'),
  });
  let live: LiveBackend | undefined;
  try {
    await store.migrate();
    live = await openLive(config, logger);
    return await assemble(config, store, live, logger, opts.now ?? (() => new Date()));
  } catch (e) {
    // A start that fails leaves no pool or link open behind it to keep the process alive.
    await live?.close().catch(() => undefined);
    await store.close().catch(() => undefined);
    throw e;
  }
}

async function assemble(
  config: Config,
  store: Store,
  live: LiveBackend,
  logger: Logger,
  now: () => Date,
): Promise<Runtime> {
  const nodeId = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  const sealKey = Buffer.from(await store.initMeta(SEAL_KEY_META, randomBytes(32).toString('hex')), 'hex');
  const secrets = secretBox(sealKey);

  let masterHash: string | null = config.masterKey ? sha256(config.masterKey) : await store.getMeta('master_key_hash');
  // Only offered here: a hash stored now would outlive a start that fails before the key is shown.
  const offeredKey = masterHash === null ? newApiKey() : null;

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
  const recalls = new RecallNotices(live.bus, (e) => logger.warn({ err: e }, 'recall notice failed'));
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
      else if (t.status === 'called') {
        // A recall: desks and boards hear of it (its desk may have changed), and the customer's streams alert again.
        events?.changed(t, from);
        recalls.announce(t.id);
      }
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
  service = new QueueService(store, live, sealKey, observer, now, indexMiss, config.timezone);
  events = new TicketEvents(live.bus, live.index, service, nodeId, (e) =>
    logger.warn({ err: e }, 'live update failed'),
  );
  const auth = new KeyAuthority(store, () => masterHash);
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

  const outbox = outboxMetrics(metrics.registry, () => store.webhooks.backlog(new Date()));
  const smtp = config.notifications.smtpUrl;
  const dispatcher = new WebhookDispatcher({
    ...(smtp !== null
      ? { email: { send: smtpSender(smtp, config.notifications.mailFrom), publicUrl: config.publicUrl } }
      : {}),
    store: store.webhooks,
    secrets,
    owner: nodeId,
    timeoutMs: config.notifications.timeoutMs,
    pollMs: config.notifications.pollMs,
    onError: (e) => logger.warn({ err: e }, 'webhook outbox round failed; retrying on the next'),
    onAttempt: (d, r) => {
      // Nothing was sent: neither a delivery nor a failure of one.
      if (r.skipped) return;
      outbox.attempted({
        channel: d.url === EMAIL_CHANNEL.url ? 'email' : 'webhook',
        ok: r.ok,
        willRetry: r.retryAt !== null,
        latencyMs: r.latencyMs,
        occurredAt: d.occurredAt,
        now: now(),
      });
      if (!r.ok) logger.warn({ delivery: d.id, type: d.type, error: r.error }, 'webhook delivery attempt failed');
    },
  });

  const ctx: Runtime = {
    config,
    nodeId,
    logger,
    now,
    store,
    live,
    service,
    auth,
    metrics,
    window,
    events,
    recalls,
    watcher,
    maintenance,
    rooms,
    admission,
    secrets,
    async keepGeneratedKey() {
      if (offeredKey === null || masterHash !== null) return null;
      masterHash = await store.initMeta('master_key_hash', sha256(offeredKey));
      auth.forget();
      return masterHash === sha256(offeredKey) ? offeredKey : null;
    },
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

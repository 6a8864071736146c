import { Migrator } from 'kysely';
import type {
  ApiKey,
  ApiKeyRecord,
  KeyRole,
  Queue,
  TicketRecord,
  TicketStatus,
  WaitingEntry,
} from '../../domain/types.js';
import { AppError, isAppError, unavailable } from '../../errors/index.js';
import { within } from '../../resilience/index.js';
import type { DatabaseAdmin } from '../admin-contract.js';
import type {
  JoinOutcome,
  JoinRequest,
  NewQueue,
  QueuePatch,
  Store,
  TicketPage,
  TransitionChange,
  TransitionOutcome,
} from '../contract.js';
import type { MaintenanceStore } from '../maintenance-contract.js';
import type { WaitingRoomStore } from '../waiting-room-contract.js';
import { waitingRoomStore } from './waiting-rooms.js';
import { migrationProvider } from '../migrations/index.js';
import type { DialectParts } from './dialect.js';
import * as keys from './keys.js';
import { KyselyMaintenanceStore } from './maintenance.js';
import * as queues from './queues.js';
import { CallHints } from './call-hints.js';
import { QueueLanes } from './queue-lanes.js';
import { hotReads } from './hot-reads.js';
import * as tickets from './tickets.js';
import { retrying } from './retry.js';
import { ticketFacts } from './reports.js';
import type { TicketFact } from '../../domain/stats.js';
import { KyselyWebhookStore } from './webhooks.js';
import type { WebhookStore } from '../webhook-contract.js';

const CATALOGUE_RACE = new Set(['3F000', '42P01']);

/** The Store contract over Kysely; the dialect parts supply what differs between engines. */
export class KyselyStore implements Store {
  readonly kind: 'sqlite' | 'postgres';
  readonly maintenance: MaintenanceStore;
  readonly admin: DatabaseAdmin;
  readonly waitingRooms: WaitingRoomStore;
  readonly webhooks: WebhookStore;
  private readonly run: <T>(fn: () => Promise<T>) => Promise<T>;
  private readonly hot: ReturnType<typeof hotReads>;
  private readonly callHints = new CallHints();
  private readonly lanes = new QueueLanes((queueId, calls) =>
    this.run(() => tickets.callNext(this.d.db, queueId, calls, this.callHints, this.d.boundLockWait)),
  );

  constructor(private readonly d: DialectParts) {
    this.kind = d.kind;
    this.run = retrying(d);
    this.hot = hotReads(d.db, d);
    this.maintenance = guardAll(maintenanceStore(d), this.run);
    this.admin = guardAll(d.admin(d.background), this.run);
    this.waitingRooms = guardAll(waitingRoomStore(d.db, d.background, d.kind), this.run);
    this.webhooks = guardAll(new KyselyWebhookStore(d.db, d.kind), this.run);
  }

  async migrate(): Promise<{ applied: string[] }> {
    return this.run(async () => {
      await this.d.prepare();
      for (let attempt = 1; ; attempt++) {
        const { error, results } = await this.migrator().migrateToLatest();
        // Kysely's migrator reads the catalogue of every schema; another installation dropping its
        // schema or tables at that moment makes the read fail (3F000, or 42P01 naming one of its
        // relations) though nothing is wrong with ours.
        if (error && CATALOGUE_RACE.has((error as { code?: string }).code ?? '') && attempt < 3) continue;
        if (error) throw error;
        return { applied: (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName) };
      }
    });
  }

  async schemaVersion(): Promise<number> {
    return this.run(async () => (await this.migrator().getMigrations()).filter((m) => m.executedAt).length);
  }

  private migrator(): Migrator {
    return new Migrator({
      db: this.d.background,
      provider: migrationProvider(this.kind),
      ...(this.d.migrationSchema ? { migrationTableSchema: this.d.migrationSchema } : {}),
    });
  }

  async close(): Promise<void> {
    await this.d.close();
  }

  async ping(timeoutMs: number): Promise<number> {
    const started = performance.now();
    await within(this.d.ping(), timeoutMs).catch((e: unknown) => Promise.reject(unavailable('database', e)));
    return performance.now() - started;
  }

  createQueue = (input: NewQueue, now: Date): Promise<Queue> =>
    this.run(() => queues.createQueue(this.d.db, input, now)).catch((e: unknown) => {
      if (isAppError(e)) throw e;
      throw new AppError('conflict', `a queue with id "${input.id}" already exists`, { cause: e });
    });
  getQueue = (id: string): Promise<Queue | null> => this.run(() => this.hot.getQueue(id));
  listQueues = (): Promise<Queue[]> => this.run(() => queues.listQueues(this.d.db));
  updateQueue = (id: string, patch: QueuePatch, now: Date): Promise<Queue | null> =>
    this.run(() => queues.updateQueue(this.d.db, id, patch, now));
  /** Deleting a queue deletes all its tickets, which may be millions: it gets the background deadline. */
  deleteQueue = (id: string): Promise<string[] | null> =>
    this.run(() => queues.deleteQueue(this.d.background, id)).finally(() => this.callHints.forget(id));

  joinMany = (queueId: string, requests: readonly JoinRequest[], now: Date): Promise<JoinOutcome[]> =>
    this.run(() => tickets.joinMany(this.d.db, queueId, requests, now, this.d));
  getTicket = (id: string): Promise<TicketRecord | null> => this.run(() => this.hot.getTicket(id));
  listTickets = (
    queueId: string,
    opts: { status?: TicketStatus; limit: number; cursor?: string },
  ): Promise<TicketPage> => this.run(() => tickets.listTickets(this.d.db, queueId, opts));
  nowServing = (queueId: string, limit: number): Promise<TicketRecord[]> =>
    this.run(() => tickets.nowServing(this.d.db, queueId, limit));
  callNext = (
    queueId: string,
    to: 'called' | 'admitted',
    counter: string | null,
    now: Date,
    admittedUntil?: number,
  ): Promise<TicketRecord | null> =>
    this.lanes.call(queueId, { to, counter, at: now, ...(admittedUntil !== undefined ? { admittedUntil } : {}) });
  transition = async (
    id: string,
    from: readonly TicketStatus[],
    change: TransitionChange,
    now: Date,
  ): Promise<TransitionOutcome> => {
    const queueId = await this.run(() => tickets.queueOfTicket(this.d.db, id));
    if (queueId === null) return { kind: 'not_found' };
    return this.lanes.write(queueId, () =>
      this.run(() => tickets.transition(this.d.db, queueId, id, from, change, now, this.d.boundLockWait)),
    );
  };
  /** A sweep of the background, which may expire many tickets at once. */
  expireWaiting = (now: Date): Promise<TicketRecord[]> => this.run(() => tickets.expireWaiting(this.d.background, now));
  /** Every queue's waiting order is background work (index rebuilds, checks): it gets the longer deadline. */
  waitingEntries = (queueId?: string): Promise<Map<string, WaitingEntry[]>> =>
    this.run(() => tickets.waitingEntries(queueId === undefined ? this.d.background : this.d.db, queueId));
  waitingCounts = (): Promise<Map<string, number>> => this.run(() => tickets.waitingCounts(this.d.db));
  /** Reports may read a long span of tickets: background deadline. */
  ticketFacts = (queueId: string, from: number, to: number): Promise<TicketFact[]> =>
    this.run(() => ticketFacts(this.d.background, queueId, from, to));

  createKey = (
    k: { id: string; role: KeyRole; name: string; keyHash: string; queueId?: string | null },
    now: Date,
  ): Promise<ApiKey> => this.run(() => keys.createKey(this.d.db, k, now));
  listKeys = (): Promise<ApiKey[]> => this.run(() => keys.listKeys(this.d.db));
  findKeyByHash = (h: string): Promise<ApiKeyRecord | null> => this.run(() => keys.findKeyByHash(this.d.db, h));
  deleteKey = (id: string): Promise<boolean> => this.run(() => keys.deleteKey(this.d.db, id));
  touchKey = (id: string, now: Date): Promise<void> => this.run(() => keys.touchKey(this.d.db, id, now));
  getMeta = (key: string): Promise<string | null> => this.run(() => keys.getMeta(this.d.db, key));
  initMeta = (key: string, value: string): Promise<string> => this.run(() => keys.initMeta(this.d.db, key, value));
}

/** The maintenance calls that may read or delete months of rows run with the background deadline. */
function maintenanceStore(d: DialectParts): MaintenanceStore {
  const quick = new KyselyMaintenanceStore(d.db);
  if (d.background === d.db) return quick;
  const slow = new KyselyMaintenanceStore(d.background);
  return Object.assign(Object.create(quick) as MaintenanceStore, {
    samplesSince: slow.samplesSince.bind(slow),
    deleteSamplesBefore: slow.deleteSamplesBefore.bind(slow),
    deleteRunsBefore: slow.deleteRunsBefore.bind(slow),
    dailyAggregates: slow.dailyAggregates.bind(slow),
  });
}

/** Wraps every method of a backend object so that driver errors become coded errors. */
function guardAll<T extends object>(target: T, run: <R>(fn: () => Promise<R>) => Promise<R>): T {
  return new Proxy(target, {
    get(obj, prop, receiver) {
      const v = Reflect.get(obj, prop, receiver) as unknown;
      if (typeof v !== 'function') return v;
      return (...args: unknown[]) => run(() => (v as (...a: unknown[]) => Promise<unknown>).apply(obj, args));
    },
  });
}

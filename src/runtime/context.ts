import type { Config } from '../config/index.js';
import type { AdmissionLoop } from '../domain/admission-loop.js';
import type { WaitingRooms } from '../domain/waiting-rooms.js';
import type { QueueService } from '../domain/queue-service.js';
import type { IndexWatcher } from '../domain/index-watcher.js';
import type { KeyAuthority } from '../domain/keys.js';
import type { RecallNotices } from '../domain/recalls.js';
import type { TicketEvents } from '../domain/ticket-events.js';
import type { SecretBox } from '../domain/tokens.js';
import type { LiveBackend } from '../live/contract.js';
import type { Logger } from '../logging/logger.js';
import type { Maintenance } from '../maintenance/engine/index.js';
import type { Metrics } from '../metrics/registry.js';
import type { LatencyWindow } from '../metrics/window.js';
import type { Store } from '../store/contract.js';

/** Everything one node runs with, built once by `createRuntime` and handed to the HTTP layer. */
export interface AppContext {
  readonly config: Config;
  readonly nodeId: string;
  readonly logger: Logger;
  /** The node's clock (tests move it): everything time-dependent in an answer reads it. */
  readonly now: () => Date;
  readonly store: Store;
  readonly live: LiveBackend;
  readonly service: QueueService;
  readonly auth: KeyAuthority;
  readonly metrics: Metrics;
  readonly window: LatencyWindow;
  readonly events: TicketEvents;
  /** Recalls of called tickets, for their customers' event streams. */
  readonly recalls: RecallNotices;
  readonly watcher: IndexWatcher;
  readonly maintenance: Maintenance;
  /** Waiting rooms: sessions, passes, draws. */
  readonly rooms: WaitingRooms;
  /** The admission loop; running only on scheduler nodes. */
  readonly admission: AdmissionLoop;
  /** Seals and opens stored secrets (webhook signing secrets) under the database's seal key. */
  readonly secrets: SecretBox;
}

import type { Redis } from 'ioredis';
import { within } from '../../resilience/index.js';
import type { Bus } from '../contract.js';
import { closeClient, connectWithin, guard, toAppError, watchConnection, type RedisLogger } from './connection.js';

interface Channel {
  readonly handlers: Set<(message: string) => void>;
  /** Settles when Redis has acknowledged SUBSCRIBE; later subscribers wait on the same one. */
  readonly ready: Promise<unknown>;
}

/** How often the subscriber link is asked for a PING, and how long the answer may take. */
export interface BusHealth {
  readonly everyMs: number;
  readonly deadlineMs: number;
}

const HEALTH: BusHealth = { everyMs: 5_000, deadlineMs: 2_000 };

/**
 * Pub/sub across nodes. A connection in subscriber mode cannot run other commands, so subscribing
 * uses a second connection, opened on first use. Channel names carry the key prefix because Redis
 * channels are global to the server, not per database. ioredis resubscribes after a reconnect;
 * messages published while the link was down are lost, as with any Redis pub/sub, so every
 * reconnection is reported to `onGap` listeners. A subscriber link only receives, so a link that
 * went silent (a dead peer, a black-holed route) would never be noticed by waiting for data: it is
 * sent a PING every few seconds and dialled again when the answer misses its deadline.
 */
export class RedisBus implements Bus {
  private sub: Promise<Redis> | null = null;
  private readonly channels = new Map<string, Channel>();
  private closed = false;
  private readonly gapListeners = new Set<() => void>();
  private healthTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly client: Redis,
    private readonly prefix: string,
    private readonly connectTimeoutMs: number,
    private readonly logger?: RedisLogger,
    private readonly health: BusHealth = HEALTH,
  ) {}

  onGap(listener: () => void): () => void {
    const l = (): void => listener();
    this.gapListeners.add(l);
    return () => void this.gapListeners.delete(l);
  }

  async publish(channel: string, message: string): Promise<void> {
    await guard(() => this.client.publish(`${this.prefix}bus:${channel}`, message));
  }

  async subscribe(channel: string, onMessage: (message: string) => void): Promise<() => Promise<void>> {
    const name = `${this.prefix}bus:${channel}`;
    const sub = await this.subscriber();
    let ch = this.channels.get(name);
    if (!ch) {
      ch = { handlers: new Set(), ready: sub.subscribe(name) };
      this.channels.set(name, ch);
    }
    const state = ch;
    const handler = (message: string): void => onMessage(message);
    state.handlers.add(handler);
    try {
      await state.ready;
    } catch (e) {
      this.detach(name, state, handler);
      throw toAppError(e);
    }
    let active = true;
    return async () => {
      if (!active) return;
      active = false;
      if (this.detach(name, state, handler)) {
        // A dropped link may fail this; ioredis would then resubscribe, and the messages find no handler.
        await sub.unsubscribe(name).catch(() => undefined);
      }
    };
  }

  /** Removes a handler; true when it was the channel's last one and the channel is forgotten. */
  private detach(name: string, state: Channel, handler: (message: string) => void): boolean {
    state.handlers.delete(handler);
    if (state.handlers.size > 0 || this.channels.get(name) !== state) return false;
    this.channels.delete(name);
    return true;
  }

  private subscriber(): Promise<Redis> {
    if (this.closed) return Promise.reject(toAppError(new Error('live bus is closed')));
    if (!this.sub) {
      const s = this.client.duplicate({ enableAutoPipelining: false });
      watchConnection(s, 'subscriber', this.logger);
      s.on('message', (name: string, message: string) => this.dispatch(name, message));
      this.sub = connectWithin(s, this.connectTimeoutMs).then(
        () => {
          this.watchHealth(s);
          return s;
        },
        (e: unknown) => {
          this.sub = null; // let the next subscribe try again
          throw e;
        },
      );
    }
    return this.sub;
  }

  private watchHealth(s: Redis): void {
    // ioredis resubscribes before it reports ready again; what was published meanwhile is gone.
    s.on('ready', () => {
      for (const l of [...this.gapListeners]) l();
    });
    let checking = false;
    this.healthTimer = setInterval(() => {
      if (checking || s.status !== 'ready') return;
      checking = true;
      within(s.ping(), this.health.deadlineMs)
        .catch((err: unknown) => {
          if (this.closed || s.status !== 'ready') return;
          this.logger?.warn({ err }, 'live bus subscriber did not answer PING in time; reconnecting');
          s.disconnect(true);
        })
        .finally(() => {
          checking = false;
        });
    }, this.health.everyMs);
    this.healthTimer.unref();
  }

  private dispatch(name: string, message: string): void {
    const ch = this.channels.get(name);
    if (!ch) return;
    for (const handler of [...ch.handlers]) {
      try {
        handler(message);
      } catch (err) {
        // A failing subscriber must not starve the others on the same connection.
        this.logger?.warn({ err, channel: name }, 'live bus subscriber threw');
      }
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.healthTimer) clearInterval(this.healthTimer);
    this.gapListeners.clear();
    this.channels.clear();
    const pending = this.sub;
    this.sub = null;
    const s = pending ? await pending.catch(() => null) : null;
    if (s) await closeClient(s);
  }
}

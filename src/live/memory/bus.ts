import { EventEmitter } from 'node:events';
import type { Bus } from '../contract.js';

export interface WarnLogger {
  warn(obj: object, msg: string): void;
}

/** In-process pub/sub for a single node; the Redis bus carries the same calls across nodes. */
export class MemoryBus implements Bus {
  private readonly emitter = new EventEmitter();

  constructor(private readonly logger?: WarnLogger) {
    // One listener per open Server-Sent Events stream: many per channel is normal, not a leak.
    this.emitter.setMaxListeners(0);
  }

  async publish(channel: string, message: string): Promise<void> {
    this.emitter.emit(channel, message);
  }

  async subscribe(channel: string, onMessage: (message: string) => void): Promise<() => Promise<void>> {
    // A failing subscriber must not break the publisher or the other subscribers.
    const listener = (message: string): void => {
      try {
        onMessage(message);
      } catch (err) {
        this.logger?.warn({ err, channel }, 'live bus subscriber threw');
      }
    };
    this.emitter.on(channel, listener);
    let active = true;
    return async () => {
      if (!active) return;
      active = false;
      this.emitter.off(channel, listener);
    };
  }

  /** Nothing is lost in process. */
  onGap(): () => void {
    return () => undefined;
  }

  close(): void {
    this.emitter.removeAllListeners();
  }
}

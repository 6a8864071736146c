import { pino } from 'pino';
import type { Config } from '../../src/config/index.js';
import type { LiveBackend } from '../../src/live/contract.js';
import type { StepContext, StepServices } from '../../src/maintenance/step.js';
import type { Store } from '../../src/store/contract.js';

/**
 * The one builder of maintenance test contexts: what the engine hands a step, over a node's real
 * store and live backend. Any part can be replaced (a clock, a faulty store, a signal).
 */
export interface NodeParts {
  readonly config: Config;
  readonly store: Store;
  readonly live: LiveBackend;
  readonly nodeId: string;
}

export interface StepContextOptions {
  readonly config?: Partial<Config>;
  readonly store?: Store;
  readonly live?: LiveBackend;
  readonly now?: () => Date;
  readonly services?: StepServices;
  readonly signal?: AbortSignal;
  readonly runId?: string;
  readonly plan?: string;
}

export const silent = pino({ level: 'silent' });

export function stepContextOf(node: NodeParts, opts: StepContextOptions = {}): StepContext {
  return {
    config: { ...node.config, ...opts.config },
    store: opts.store ?? node.store,
    live: opts.live ?? node.live,
    logger: silent,
    nodeId: node.nodeId,
    runId: opts.runId ?? 'test',
    plan: opts.plan ?? 'test',
    signal: opts.signal ?? new AbortController().signal,
    now: opts.now ?? (() => new Date()),
    services: opts.services ?? {},
  };
}

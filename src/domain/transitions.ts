import type { QueueMode, TicketStatus } from './types.js';

/** Operator and customer actions, the statuses each may start from, and its name in messages. */
export const ACTIONS = {
  call: { from: ['waiting'], to: 'called', verb: 'call' },
  serve: { from: ['called'], to: 'served', verb: 'serve' },
  noShow: { from: ['called'], to: 'no_show', verb: 'mark as no-show' },
  requeue: { from: ['called', 'no_show'], to: 'waiting', verb: 'requeue' },
  /** Announces a called ticket again, to its desk (or a new one). */
  recall: { from: ['called'], to: 'called', verb: 'recall' },
  leave: { from: ['waiting', 'called'], to: 'left', verb: 'leave the queue' },
  admit: { from: ['waiting'], to: 'admitted', verb: 'admit' },
} as const satisfies Record<string, { from: readonly TicketStatus[]; to: TicketStatus; verb: string }>;

export type Action = keyof typeof ACTIONS;

/** A waiting room admits where a service queue calls. */
export const callTarget = (mode: QueueMode): 'called' | 'admitted' => (mode === 'waiting_room' ? 'admitted' : 'called');

import type { QueueMode, TicketStatus } from './types.js';

/** Operator and customer actions, and the statuses each may start from. */
export const ACTIONS = {
  call: { from: ['waiting'], to: 'called' },
  serve: { from: ['called'], to: 'served' },
  noShow: { from: ['called'], to: 'no_show' },
  requeue: { from: ['called', 'no_show'], to: 'waiting' },
  /** Announces a called ticket again, to its desk (or a new one). */
  recall: { from: ['called'], to: 'called' },
  leave: { from: ['waiting', 'called'], to: 'left' },
  admit: { from: ['waiting'], to: 'admitted' },
} as const satisfies Record<string, { from: readonly TicketStatus[]; to: TicketStatus }>;

export type Action = keyof typeof ACTIONS;

/** A waiting room admits where a service queue calls. */
export const callTarget = (mode: QueueMode): 'called' | 'admitted' => (mode === 'waiting_room' ? 'admitted' : 'called');

import type { z } from 'zod';
import type { QueueService } from '../domain/queue-service.js';
import type { TicketView } from '../domain/views.js';
import { ticketViewSchema } from './responses.js';
import { serializerCompiler } from './serializer.js';

/**
 * A waiting ticket's status answer from the node's status cache, as JSON. `cachedTicket` hands back
 * the same view object while nothing the answer shows has changed, so the JSON is kept by that
 * object; a view no longer handed out is collected with its JSON.
 */
export class CachedStatus {
  private readonly bodies = new WeakMap<TicketView, string>();
  // The status route's own serializer (compiled once per schema), so both paths write the same bytes.
  private readonly serialize = serializerCompiler({
    schema: ticketViewSchema as z.ZodType,
    method: 'GET',
    url: '/api/tickets/:ticketId',
    httpStatus: '200',
  }) as (view: TicketView) => string;

  constructor(private readonly service: QueueService) {}

  /** The answer's body, or null when the cache cannot answer (the full path then decides). */
  body(ticketId: string, token: string): string | null {
    const view = this.service.cachedTicket(ticketId, token);
    if (!view) return null;
    let body = this.bodies.get(view);
    if (body === undefined) {
      body = this.serialize(view);
      this.bodies.set(view, body);
    }
    return body;
  }
}

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { QueueService } from '../../src/domain/queue-service.js';
import { TicketEvents } from '../../src/domain/ticket-events.js';
import { createMemoryBackend } from '../../src/live/memory/backend.js';

describe('change messages on the bus', () => {
  it('go out once per queue per turn of the event loop, however many changes the turn made', async () => {
    const live = createMemoryBackend();
    const got: string[] = [];
    await live.bus.subscribe('q:a', (m) => got.push(`a:${m}`));
    await live.bus.subscribe('q:b', (m) => got.push(`b:${m}`));
    // No watchers, so the service is never asked for a view.
    const events = new TicketEvents(live.bus, {} as QueueService, (e) => assert.fail(String(e)));
    for (let i = 0; i < 300; i++) events.publish('a');
    events.publish('b');
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(got.sort(), ['a:changed', 'b:changed']);
    events.publish('a');
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(got.filter((m) => m.startsWith('a:')).length, 2, 'a later turn sends again');
  });
});

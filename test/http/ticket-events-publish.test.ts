import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeNote } from '../../src/domain/live-notes.js';
import type { QueueService } from '../../src/domain/queue-service.js';
import { TicketEvents } from '../../src/domain/ticket-events.js';
import type { TicketRecord } from '../../src/domain/types.js';
import { createMemoryBackend } from '../../src/live/memory/backend.js';

const ticket = (id: string, queueId: string): TicketRecord =>
  ({
    id,
    queueId,
    status: 'called',
    priority: 'normal',
    counter: 'D1',
    calledAt: new Date(0),
    endedAt: null,
    admittedUntil: null,
  }) as unknown as TicketRecord;

describe('change messages on the bus', () => {
  it('go out once per queue per turn of the event loop, numbered, with the tickets that moved', async () => {
    const live = createMemoryBackend();
    const got: string[] = [];
    await live.bus.subscribe('q:a', (m) => got.push(`a:${m}`));
    await live.bus.subscribe('q:b', (m) => got.push(`b:${m}`));
    // No watchers, so the service is never asked for a view.
    const events = new TicketEvents(live.bus, live.index, {} as QueueService, 'n1', (e) => assert.fail(String(e)));
    try {
      for (let i = 0; i < 300; i++) events.publish('a');
      events.changed(ticket('t1', 'a'), 'waiting');
      events.changed(ticket('t2', 'a'), null);
      events.publish('b');
      await new Promise((r) => setImmediate(r));
      await new Promise((r) => setImmediate(r));
      assert.equal(got.length, 2);
      const a = decodeNote(got.find((m) => m.startsWith('a:'))?.slice(2) ?? '');
      assert.equal(a?.node, 'n1');
      assert.equal(a?.seq, 1);
      assert.deepEqual(
        a?.tickets.map((t) => [t.id, t.status, t.counter]),
        [['t1', 'called', 'D1']],
        'a join moves nobody by a note: the order says where the others are',
      );
      events.publish('a');
      await new Promise((r) => setImmediate(r));
      await new Promise((r) => setImmediate(r));
      const again = got.filter((m) => m.startsWith('a:'));
      assert.equal(again.length, 2, 'a later turn sends again');
      assert.equal(decodeNote(again[1]?.slice(2) ?? '')?.seq, 2, 'numbered per queue, so a receiver sees a gap');
    } finally {
      events.close();
    }
  });
});

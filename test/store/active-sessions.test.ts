import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { newId } from '../../src/domain/tokens.js';
import { DEFAULT_QUEUE_SETTINGS } from '../../src/domain/types.js';
import { skipPg, uniqueName } from '../support/env.js';
import { joinRequest } from '../support/join-request.js';
import { storeFixtures } from './support.js';

/**
 * A room's active sessions (the admission tick's count, the estimate's session ends) among all the
 * admissions it ever made: admitted is a ticket's last status, so ended sessions pile up all day.
 * Both reads go through the partial index of admitted tickets by session end, never over the rest
 * (their plans, as sent, are checked in session-reads.test.ts).
 */

const fx = storeFixtures('active_sessions');
const T0 = Date.parse('2026-05-01T09:00:00Z');
const BACKENDS = [
  {
    name: 'SQLite',
    skip: false as const,
    open: () => fx.sqlite(`${uniqueName('s')}.db`),
  },
  {
    name: 'PostgreSQL',
    skip: skipPg,
    open: () => fx.postgres(uniqueName('p')),
  },
];

for (const b of BACKENDS) {
  describe(`active sessions on ${b.name}`, { skip: b.skip }, () => {
    it('counts and lists only the sessions still running, soonest end first', async () => {
      const store = b.open();
      await store.migrate();
      const room = await store.createQueue(
        { id: newId('q'), name: 'room', mode: 'waiting_room', capacity: null, settings: DEFAULT_QUEUE_SETTINGS },
        new Date(T0),
      );
      await store.joinMany(
        room.id,
        Array.from({ length: 8 }, () => joinRequest()),
        new Date(T0),
      );
      // Eight admissions a minute apart, each for ten minutes: at T0 + 15 min the last three run.
      for (let i = 0; i < 8; i++) {
        const at = T0 + (i + 1) * 60_000;
        assert.ok(await store.callNext(room.id, 'admitted', null, new Date(at), at + 600_000));
      }
      const now = new Date(T0 + 15 * 60_000 + 1);
      assert.equal(await store.waitingRooms.activeSessions(room.id, now), 3);
      assert.deepEqual(await store.waitingRooms.sessionEnds(room.id, now, 2), [T0 + 16 * 60_000, T0 + 17 * 60_000]);
      await store.close();
    });
  });
}

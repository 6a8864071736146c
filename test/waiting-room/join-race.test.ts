import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { COMBOS, type Isolation } from '../support/harness.js';
import { createRoom, joinRoom, openRoomNode, testClock, type RoomNode } from './support.js';

/**
 * An admission that commits between a join's commit and the join's index add: the admission's
 * removal wins, so the index never holds an admitted ticket (which would push everyone behind it
 * one place back until the index audit noticed).
 */
for (const combo of COMBOS) {
  describe(`a join racing an admission (${combo.name})`, { skip: combo.skip }, () => {
    let iso: Isolation;
    let node: RoomNode;
    const clock = testClock('2026-03-02T09:00:00.000Z');

    before(async () => {
      iso = combo.isolate();
      node = await openRoomNode(iso, clock.now);
    });
    after(async () => {
      await node.close();
      await iso.cleanup();
    });

    it('leaves no index entry for a ticket admitted before its join indexed it', async () => {
      const id = await createRoom(node.app, { newPerMinute: 60, idleSeconds: 86_400 });
      const store = node.rt.store;
      const commit = store.joinMany.bind(store);
      const admittedMeanwhile: string[] = [];
      // The real commit runs; an admission round then runs before the join goes on to its index add.
      store.joinMany = async (...args) => {
        const outcomes = await commit(...args);
        clock.advance(1_000);
        for (const t of await node.rt.rooms.admitNow(id)) admittedMeanwhile.push(t.id);
        return outcomes;
      };
      let ticket: { id: string };
      try {
        ticket = await joinRoom(node.app, id);
      } finally {
        store.joinMany = commit;
      }
      assert.deepEqual(admittedMeanwhile, [ticket.id], 'the admission took the ticket between commit and index add');
      assert.equal(await node.rt.live.index.rank(id, ticket.id), null);
      assert.equal(await node.rt.live.index.count(id), 0);

      const next = await joinRoom(node.app, id);
      assert.equal(next.position, 1);
      assert.equal(await node.rt.live.index.rank(id, next.id), 0, 'the next joiner is first, not second');
    });
  });
}

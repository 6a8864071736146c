import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { COMBOS, type Isolation } from '../support/harness.js';
import { createRoom, openRoomNode, testClock, type RoomNode } from './support.js';

const pg = COMBOS.find((c) => c.name.startsWith('PostgreSQL'))!;

/**
 * Two nodes on one PostgreSQL database and one Redis run every admission round at the same moment,
 * as two scheduler nodes would: each credit of the bucket and each ticket is spent once.
 */
describe('admission on two scheduler nodes at once', { skip: pg.skip }, () => {
  let iso: Isolation;
  const nodes: RoomNode[] = [];
  const clock = testClock('2026-03-02T09:00:00.000Z');

  before(async () => {
    iso = pg.isolate();
    nodes.push(await openRoomNode(iso, clock.now), await openRoomNode(iso, clock.now));
  });
  after(async () => {
    for (const n of nodes) await n.close();
    await iso.cleanup();
  });

  /** Both nodes run every round at the same moment for `ms` of the test's clock. */
  async function contend(id: string, ms: number) {
    const [a, b] = nodes as [RoomNode, RoomNode];
    const seen = new Set<string>();
    let duplicates = 0;
    let peak = 0;
    for (let t = 0; t < ms; t += 250) {
      clock.advance(250);
      const [ra, rb] = await Promise.all([
        a.rt.store.waitingRooms.admit(id, clock.now()),
        b.rt.store.waitingRooms.admit(id, clock.now()),
      ]);
      for (const x of [...ra, ...rb]) {
        if (seen.has(x.id)) duplicates++;
        seen.add(x.id);
      }
      peak = Math.max(peak, await a.rt.store.waitingRooms.activeSessions(id, clock.now()));
    }
    const admitted = (await a.rt.store.listTickets(id, { status: 'admitted', limit: 1000 })).items;
    return { seen, duplicates, peak, admitted };
  }

  async function room(admission: Record<string, unknown>, tickets: number): Promise<string> {
    const [a, b] = nodes as [RoomNode, RoomNode];
    const opensAt = new Date(clock.now().getTime() + 1000).toISOString();
    const id = await createRoom(a.app, { idleSeconds: 86_400, opensAt, ...admission });
    for (let i = 0; i < tickets; i++) await (i % 2 ? a : b).rt.service.join(id, {}, null);
    clock.advance(1000);
    return id;
  }

  it('admits at the rate once across both nodes, never the same ticket twice', async () => {
    const id = await room({ newPerMinute: 120 }, 300);
    const r = await contend(id, 120_000);
    assert.equal(r.duplicates, 0);
    assert.equal(r.admitted.length, r.seen.size);
    // 120 a minute for two minutes is 240, within 2 %.
    assert.ok(Math.abs(r.admitted.length - 240) <= 5, `admitted ${r.admitted.length}`);
    assert.equal((await nodes[0]!.rt.service.queue(id)).waitingCount, 300 - r.admitted.length);
  });

  it('never lets the two nodes together pass maxActive', async () => {
    const id = await room({ newPerMinute: 6000, maxActive: 7, sessionSeconds: 5 }, 200);
    const r = await contend(id, 30_000);
    assert.equal(r.duplicates, 0);
    assert.equal(r.peak, 7);
    // Seven places freed every five seconds: 7 × 6 in thirty seconds.
    assert.ok(r.admitted.length >= 35 && r.admitted.length <= 49, `admitted ${r.admitted.length}`);
  });
});

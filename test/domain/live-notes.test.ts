import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyNote, type TicketNote } from '../../src/domain/live-notes.js';
import type { TicketView } from '../../src/domain/views.js';

/** What a node's held view becomes when a note says the ticket moved on. */

const admitted: TicketView = {
  id: 't_1',
  number: 1,
  queueId: 'q_1',
  status: 'admitted',
  priority: 'normal',
  position: null,
  eta: null,
  etaAtJoin: null,
  name: null,
  counter: null,
  createdAt: '2026-05-01T09:00:00.000Z',
  calledAt: '2026-05-01T09:01:00.000Z',
  endedAt: '2026-05-01T09:01:00.000Z',
  recalls: 0,
  recalledAt: null,
  admittedUntil: '2026-05-01T09:11:00.000Z',
  pass: 'header.claims.signature',
  continueUrl: 'https://shop.example/?pass=header.claims.signature',
};

const note = (over: Partial<TicketNote>): TicketNote => ({
  id: 't_1',
  status: 'admitted',
  priority: 'normal',
  counter: null,
  calledAt: admitted.calledAt,
  endedAt: admitted.endedAt,
  admittedUntil: admitted.admittedUntil ?? null,
  recalls: 0,
  recalledAt: null,
  ...over,
});

describe('a note applied to a held view', () => {
  it('takes the pass and the session away from a ticket that is no longer admitted', () => {
    const served = applyNote(admitted, note({ status: 'served', endedAt: '2026-05-01T09:05:00.000Z' }));
    assert.equal(served.status, 'served');
    assert.equal('pass' in served, false);
    assert.equal('continueUrl' in served, false);
    assert.equal('admittedUntil' in served, false);
    const still = applyNote(admitted, note({}));
    assert.equal(still.pass, admitted.pass, 'an admitted ticket keeps its pass');
  });

  it('carries a recall, and keeps the held one when a note from another version has none', () => {
    const called: TicketView = { ...admitted, status: 'called', counter: 'Desk 2' };
    const recalled = applyNote(
      called,
      note({ status: 'called', counter: 'Desk 3', recalls: 1, recalledAt: '2026-05-01T09:02:00.000Z' }),
    );
    assert.deepEqual(
      [recalled.recalls, recalled.recalledAt, recalled.counter],
      [1, '2026-05-01T09:02:00.000Z', 'Desk 3'],
    );
    const { recalls: _r, recalledAt: _a, ...older } = note({ status: 'called', counter: 'Desk 3' });
    const kept = applyNote({ ...called, recalls: 2, recalledAt: '2026-05-01T09:03:00.000Z' }, older);
    assert.deepEqual([kept.recalls, kept.recalledAt], [2, '2026-05-01T09:03:00.000Z']);
    assert.deepEqual(
      Object.keys(recalled),
      Object.keys(called).filter((k) => !['admittedUntil', 'pass', 'continueUrl'].includes(k)),
      'the view keeps its field order',
    );
  });
});
